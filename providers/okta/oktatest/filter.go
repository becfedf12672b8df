package oktatest

import (
	"fmt"
	"strconv"
	"strings"
)

// This file holds a small recursive-descent parser for the SCIM filter
// subset Okta accepts in the System Log `filter` and the users `search` and
// `filter` parameters:
//
//	expr    = and { "or" and }
//	and     = primary { "and" primary }
//	primary = "(" expr ")" | attr op [ value ]
//	op      = eq | ne | co | sw | ew | gt | ge | lt | le | pr   (no value after pr)
//	value   = "double-quoted string" | number | true | false | null
//
// Keywords and operators are case-insensitive; attribute names are not.
// Parsing is separate from validation: each endpoint then checks which
// attributes and operators it supports, because Okta answers a malformed
// expression and an unsupported-but-well-formed one with different errors.

// Limits that keep hostile input cheap; Okta rejects long filters too.
const (
	maxFilterLen   = 4096
	maxFilterDepth = 32
)

// filterExpr is a node of a parsed filter.
type filterExpr interface{ filterNode() }

// logicalExpr joins two expressions with "and" or "or".
type logicalExpr struct {
	op          string // "and" or "or"
	left, right filterExpr
}

// compareExpr is `attr op value`.
type compareExpr struct {
	attr  string
	op    string // lower-case
	value filterValue
}

func (logicalExpr) filterNode() {}
func (compareExpr) filterNode() {}

type valueKind int

const (
	valueNone valueKind = iota // after "pr"
	valueString
	valueNumber
	valueBool
	valueNull
)

type filterValue struct {
	kind valueKind
	text string // unquoted string, or the literal as written
}

var filterOps = map[string]bool{
	"eq": true, "ne": true, "co": true, "sw": true, "ew": true,
	"gt": true, "ge": true, "lt": true, "le": true, "pr": true,
}

// filterSyntaxError reports where a filter stopped making sense.
type filterSyntaxError struct {
	pos int
	msg string
}

func (e *filterSyntaxError) Error() string {
	return fmt.Sprintf("invalid filter at position %d: %s", e.pos, e.msg)
}

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokLParen
	tokRParen
	tokString
	tokWord
)

type token struct {
	kind tokenKind
	text string
	pos  int
}

func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of filter"
	case tokLParen:
		return `"("`
	case tokRParen:
		return `")"`
	}
	return strconv.Quote(t.text)
}

// lexFilter splits s into tokens. Words run until space, a parenthesis or a
// quote.
func lexFilter(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{tokLParen, "(", i})
			i++
		case c == ')':
			toks = append(toks, token{tokRParen, ")", i})
			i++
		case c == '"':
			start := i
			var b strings.Builder
			i++
			for {
				if i >= len(s) {
					return nil, &filterSyntaxError{start, "unterminated string"}
				}
				if s[i] == '\\' {
					if i+1 >= len(s) {
						return nil, &filterSyntaxError{i, "dangling escape"}
					}
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				if s[i] == '"' {
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			toks = append(toks, token{tokString, b.String(), start})
		default:
			start := i
			for i < len(s) && !strings.ContainsRune(" \t\n\r()\"", rune(s[i])) {
				i++
			}
			toks = append(toks, token{tokWord, s[start:i], start})
		}
	}
	return append(toks, token{tokEOF, "", len(s)}), nil
}

type filterParser struct {
	toks  []token
	i     int
	depth int
}

// parseFilter parses a SCIM filter expression. Errors are
// *filterSyntaxError.
func parseFilter(s string) (filterExpr, error) {
	if strings.TrimSpace(s) == "" {
		return nil, &filterSyntaxError{0, "empty filter"}
	}
	if len(s) > maxFilterLen {
		return nil, &filterSyntaxError{maxFilterLen, "filter too long"}
	}
	toks, err := lexFilter(s)
	if err != nil {
		return nil, err
	}
	p := &filterParser{toks: toks}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, &filterSyntaxError{t.pos, "unexpected " + t.describe()}
	}
	return e, nil
}

func (p *filterParser) peek() token { return p.toks[p.i] }

func (p *filterParser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *filterParser) keyword(kw string) bool {
	t := p.peek()
	if t.kind == tokWord && strings.EqualFold(t.text, kw) {
		p.i++
		return true
	}
	return false
}

func (p *filterParser) parseOr() (filterExpr, error) {
	left, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.keyword("or") {
		right, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		left = logicalExpr{op: "or", left: left, right: right}
	}
	return left, nil
}

func (p *filterParser) parseAnd() (filterExpr, error) {
	left, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	for p.keyword("and") {
		right, err := p.parsePrimary()
		if err != nil {
			return nil, err
		}
		left = logicalExpr{op: "and", left: left, right: right}
	}
	return left, nil
}

func (p *filterParser) parsePrimary() (filterExpr, error) {
	t := p.next()
	switch t.kind {
	case tokLParen:
		if p.depth++; p.depth > maxFilterDepth {
			return nil, &filterSyntaxError{t.pos, "parentheses nested too deeply"}
		}
		e, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokRParen {
			return nil, &filterSyntaxError{c.pos, `expected ")", found ` + c.describe()}
		}
		p.depth--
		return e, nil
	case tokWord:
		if strings.EqualFold(t.text, "and") || strings.EqualFold(t.text, "or") {
			return nil, &filterSyntaxError{t.pos, "expected an attribute or \"(\", found keyword " + strconv.Quote(t.text)}
		}
		if !validAttrPath(t.text) {
			return nil, &filterSyntaxError{t.pos, "invalid attribute name " + strconv.Quote(t.text)}
		}
		return p.parseComparison(t)
	default:
		return nil, &filterSyntaxError{t.pos, "expected an attribute or \"(\", found " + t.describe()}
	}
}

func (p *filterParser) parseComparison(attr token) (filterExpr, error) {
	opTok := p.next()
	op := strings.ToLower(opTok.text)
	if opTok.kind != tokWord || !filterOps[op] {
		return nil, &filterSyntaxError{opTok.pos, "expected an operator after " + strconv.Quote(attr.text) + ", found " + opTok.describe()}
	}
	if op == "pr" {
		return compareExpr{attr: attr.text, op: op}, nil
	}
	v := p.next()
	switch {
	case v.kind == tokString:
		return compareExpr{attr: attr.text, op: op, value: filterValue{valueString, v.text}}, nil
	case v.kind == tokWord:
		lw := strings.ToLower(v.text)
		switch {
		case lw == "true" || lw == "false":
			return compareExpr{attr: attr.text, op: op, value: filterValue{valueBool, lw}}, nil
		case lw == "null":
			return compareExpr{attr: attr.text, op: op, value: filterValue{valueNull, lw}}, nil
		}
		if _, err := strconv.ParseFloat(v.text, 64); err == nil {
			return compareExpr{attr: attr.text, op: op, value: filterValue{valueNumber, v.text}}, nil
		}
	}
	return nil, &filterSyntaxError{v.pos, "expected a value after " + strconv.Quote(op) + ", found " + v.describe()}
}

// validAttrPath accepts dotted attribute names such as profile.firstName or
// debugContext.debugData.requestId.
func validAttrPath(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		ok := r == '.' || r == '_' || r == '-' || r == ':' || r == '$' ||
			r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !ok {
			return false
		}
	}
	c := s[0]
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// walkCompares calls f for every comparison in e, stopping at the first
// error.
func walkCompares(e filterExpr, f func(compareExpr) error) error {
	switch n := e.(type) {
	case logicalExpr:
		if err := walkCompares(n.left, f); err != nil {
			return err
		}
		return walkCompares(n.right, f)
	case compareExpr:
		return f(n)
	}
	return nil
}

// evalFilter evaluates e with cmp deciding each comparison.
func evalFilter(e filterExpr, cmp func(compareExpr) bool) bool {
	switch n := e.(type) {
	case logicalExpr:
		if n.op == "and" {
			return evalFilter(n.left, cmp) && evalFilter(n.right, cmp)
		}
		return evalFilter(n.left, cmp) || evalFilter(n.right, cmp)
	case compareExpr:
		return cmp(n)
	}
	return false
}
