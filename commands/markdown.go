package commands

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Table, Cell and Stamp are table, escapeCell and stamp for the workflows,
// so their war-room text is escaped and formatted as every command's is.
func Table(title string, headers []string, rows [][]string) string { return table(title, headers, rows) }

// Cell escapes provider text for a table cell or a line of Markdown.
func Cell(s string) string { return escapeCell(s) }

// Stamp formats an optional time for a table cell.
func Stamp(t *time.Time) string { return stamp(t) }

// table renders a compact Markdown table for a war room: a heading, then one
// row per item. Cells are escaped so a display name with a pipe or a newline
// cannot break the table.
func table(title string, headers []string, rows [][]string) string {
	var b strings.Builder
	b.Grow(tableSize(title, headers, rows))
	b.WriteString("### ")
	b.WriteString(escapeCell(title))
	b.WriteString("\n")
	if len(rows) == 0 {
		b.WriteString("**No entries.**\n")
		return b.String()
	}
	b.WriteString("|")
	for _, h := range headers {
		b.WriteString(escapeCell(h))
		b.WriteString("|")
	}
	b.WriteString("\n|")
	for range headers {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, r := range rows {
		b.WriteString("|")
		for _, c := range r {
			b.WriteString(escapeCell(c))
			b.WriteString("|")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// tableSize is the length of the table when no cell needs escaping, so the
// builder is allocated once for most tables instead of grown by doubling.
func tableSize(title string, headers []string, rows [][]string) int {
	n := len("### \n**No entries.**\n") + len(title) + 2 + 5*len(headers)
	for _, h := range headers {
		n += len(h)
	}
	for _, r := range rows {
		n += 2 + len(r)
		for _, c := range r {
			n += len(c)
		}
	}
	return n
}

// cellSpecials are the characters cellEscaper replaces: a cell without any
// is its own escape, and needs no replacer (which allocates even when it
// has nothing to replace).
const cellSpecials = "|\r\n\\`[]<>&"

// cellEscaper keeps text text: a pipe or a newline cannot break the table,
// and the characters of Markdown's link, image, code and HTML syntax are
// backslash-escaped, so a display name or a caller's argument such as
// "[click](x)" or "<img src=x>" shows as typed instead of becoming a link or
// markup. Emphasis characters stay as they are: they carry nothing, and
// IDs such as SUPER_ADMIN read better unescaped.
var cellEscaper = strings.NewReplacer(
	"|", `\|`, "\r\n", " ", "\n", " ", "\r", " ",
	`\`, `\\`, "`", "\\`", "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`, "&", `\&`,
)

func escapeCell(s string) string {
	// Renderers autolink a bare URL after escapes are undone, so text that
	// holds one goes into a code span, the one place nothing is linked.
	if strings.Contains(s, "://") || containsWWW(s) {
		return literal(s)
	}
	if !strings.ContainsAny(s, cellSpecials) {
		return s
	}
	return cellEscaper.Replace(s)
}

// containsWWW reports whether strings.ToLower(s) contains "www.", without
// lowering (and copying) an ASCII s: most cells are IDs, logins and
// statuses. Text with other characters takes strings.ToLower, whose
// Unicode case mapping this does not repeat.
func containsWWW(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return strings.Contains(strings.ToLower(s), "www.")
		}
	}
	for i := 0; i+4 <= len(s); i++ {
		if s[i]|0x20 == 'w' && s[i+1]|0x20 == 'w' && s[i+2]|0x20 == 'w' && s[i+3] == '.' {
			return true
		}
	}
	return false
}

// literalEscaper keeps a code span on one line and in its table cell.
var literalEscaper = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "|", `\|`)

// literal shows caller text in an incident entry as an inline code span:
// nothing inside one is Markdown or HTML, so the text cannot carry a link,
// an image or markup — not even a bare URL, which renderers autolink
// everywhere but in code. Its fence is longer than any run of backticks in
// the text, pipes are escaped for the table it sits in, and newlines become
// spaces.
func literal(s string) string {
	if s == "" {
		return ""
	}
	s = literalEscaper.Replace(s)
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	return fence + " " + s + " " + fence
}

// stamp formats an optional time for a table cell.
func stamp(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
