package commands

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Paged commands answer with up to limit items, filled from as many
// provider pages as it takes: Okta and PingOne may send a page shorter than
// the limit asked for (Okta's System Log with a selective filter, PingOne's
// users above 200, Okta's users above 200) and still have more behind their
// next link. Every page is read through the provider's own next links,
// verbatim; a page read only in part is named by its link and the number of
// its items already returned, so the next call resumes exactly after the
// last item returned.
//
// The position goes back to the caller as next_cursor, and only when more
// remains: the pager looks one item ahead before answering. The cursor is
// bound to the command and to every argument but cursor and limit by an
// HMAC, so a forged cursor, or one from another command or another query,
// is refused (400, body.cursor) before any provider is called; the page
// size may change from call to call.

const (
	// MaxLimit is the most items one call of a paged command returns.
	MaxLimit = 1000
	// maxPagesPerCall bounds the provider pages one call reads, so that a
	// selective query over a long range cannot hold a request for long.
	// The answer then has fewer items than limit, and a next_cursor.
	maxPagesPerCall = 50
	// cursorVersion starts every cursor, so the format can change.
	cursorVersion = "c1"
	// cursorMACSize is the truncated HMAC-SHA256 length, in bytes.
	cursorMACSize = 16
)

// CursorKey derives the key that signs cursors from the first non-empty
// secret given (say server.cursor_secret, then auth.jwt_secret), so that
// replicas sharing a configuration accept each other's cursors and a
// restart does not invalidate them. The secret goes through HMAC with a
// label of its own, so the key is never the secret itself. With no secret
// it returns nil, and the Providers fall back to a key random per process.
func CursorKey(secrets ...string) []byte {
	for _, s := range secrets {
		if s != "" {
			m := hmac.New(sha256.New, []byte(s))
			m.Write([]byte("idcmd paging cursor key v1"))
			return m.Sum(nil)
		}
	}
	return nil
}

// processCursorKey signs cursors for Providers built without a CursorKey
// (tests, tools): valid until the process ends.
var processCursorKey = sync.OnceValue(func() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // never fails (crypto/rand panics rather)
	return k
})

func (p Providers) cursorKey() []byte {
	if len(p.CursorKey) > 0 {
		return p.CursorKey
	}
	return processCursorKey()
}

// cursorScope is what a cursor is bound to: the command that issued it and
// its arguments, but cursor and limit.
type cursorScope struct {
	command string
	query   []byte
}

// scopeOf binds to command and args (an argument struct). The arguments
// are canonical JSON: encoding/json sorts map keys.
func scopeOf(command string, args any) cursorScope {
	var m map[string]any
	if b, err := json.Marshal(args); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	delete(m, "cursor")
	delete(m, "limit")
	q, _ := json.Marshal(m)
	return cursorScope{command: command, query: q}
}

// streamPos is where a stream of pages stands: the page to read (a
// provider cursor) and how many of its items were returned already.
type streamPos struct {
	ref  string
	skip int
	done bool
}

func (s cursorScope) mac(key []byte, body string) string {
	m := hmac.New(sha256.New, key)
	for _, part := range [][]byte{[]byte(s.command), s.query, []byte(body)} {
		m.Write([]byte(strconv.Itoa(len(part)) + ":"))
		m.Write(part)
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:cursorMACSize])
}

// seal encodes positions as a cursor: c1.<ref>:<skip>[.<ref>:<skip>...].<mac>,
// "-" for a stream that has ended. Provider cursors are base64url, so
// neither '.' nor ':' occurs in them.
func (s cursorScope) seal(key []byte, pos []streamPos) string {
	parts := []string{cursorVersion}
	for _, sp := range pos {
		if sp.done {
			parts = append(parts, "-")
			continue
		}
		parts = append(parts, sp.ref+":"+strconv.Itoa(sp.skip))
	}
	body := strings.Join(parts, ".")
	return body + "." + s.mac(key, body)
}

// open checks a caller's cursor and returns its n positions.
func (s cursorScope) open(key []byte, cursor string, n int) ([]streamPos, error) {
	bad := inputError("The arguments are invalid", "body.cursor",
		"is not a cursor "+s.command+" returned for these arguments; send the same arguments as the call that returned it, or leave cursor out to start over")
	cut := strings.LastIndexByte(cursor, '.')
	if cut < 0 || !hmac.Equal([]byte(cursor[cut+1:]), []byte(s.mac(key, cursor[:cut]))) {
		return nil, bad
	}
	parts := strings.Split(cursor[:cut], ".")
	if parts[0] != cursorVersion || len(parts) != n+1 {
		return nil, bad
	}
	pos := make([]streamPos, n)
	for i, part := range parts[1:] {
		if part == "-" {
			pos[i].done = true
			continue
		}
		ref, skip, ok := strings.Cut(part, ":")
		k, err := strconv.Atoi(skip)
		if !ok || ref == "" || err != nil || k < 0 {
			return nil, bad
		}
		pos[i] = streamPos{ref: ref, skip: k}
	}
	return pos, nil
}

// checkCursor refuses a caller's cursor that was not issued for scope,
// for commands that call the provider before they page (to resolve a
// user): a foreign cursor must not cost a provider call. readPaged
// checks it again; that is cheap.
func (p Providers) checkCursor(scope cursorScope, cursor string, streams int) error {
	if cursor == "" {
		return nil
	}
	_, err := scope.open(p.cursorKey(), cursor, streams)
	return err
}

// fetchPage reads the page a provider cursor names: its items and the
// provider cursor of the next page ("" on the last).
type fetchPage[T any] func(ctx context.Context, ref string) (items []T, next string, err error)

// stream is one provider listing read page by page through its next links.
type stream[T any] struct {
	ref    string // the page being read, or to read next
	skip   int    // items of ref already taken
	page   []T    // ref's items, once loaded
	next   string // ref's next link, once loaded
	loaded bool
	done   bool
	// idle: a polling listing answered an empty page, so it has caught up
	// for now; its next link is kept for later.
	idle bool
}

// pager reads one or more streams of the same kind of item, merged.
type pager[T any] struct {
	fetch   fetchPage[T]
	streams []*stream[T]
	// newer orders items of several streams (the first stream wins ties);
	// same tells the one item seen in two streams, taken once.
	newer, same func(a, b T) bool
	// polling: an empty page ends the call, not the listing (Okta's
	// System Log polling queries always have a next link).
	polling bool
	pages   int
	slowest time.Duration
}

// canFetch reports whether the call may read one more page: the first
// always, then up to maxPagesPerCall, and only while the request's
// deadline leaves twice the slowest page so far to answer in.
func (p *pager[T]) canFetch(ctx context.Context) bool {
	if p.pages == 0 {
		return true
	}
	if p.pages >= maxPagesPerCall {
		return false
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < 2*p.slowest {
		return false
	}
	return true
}

// head returns s's next item, reading pages as needed. ok is false when
// there is none now: s has ended (s.done), is idle, or the call may read
// no more pages.
func (p *pager[T]) head(ctx context.Context, s *stream[T]) (item T, ok bool, err error) {
	for !s.done && !s.idle {
		if s.loaded {
			switch {
			case s.skip < len(s.page):
				return s.page[s.skip], true, nil
			case len(s.page) == 0 && p.polling:
				s.idle = true
				continue
			case s.next == "" || s.next == s.ref:
				s.done = true // a link back to the same page ends it too
				continue
			}
			s.ref, s.skip, s.loaded = s.next, 0, false
		}
		if !p.canFetch(ctx) {
			break
		}
		start := time.Now()
		page, next, err := p.fetch(ctx, s.ref)
		p.pages++
		p.slowest = max(p.slowest, time.Since(start))
		if err != nil {
			return item, false, err
		}
		s.page, s.next, s.loaded = page, next, true
	}
	return item, false, nil
}

// peek returns the next item of the merged streams and the stream it is
// in. ok is false at the end, and also when a stream cannot say what it
// holds next (out of pages for this call): merging needs every head.
func (p *pager[T]) peek(ctx context.Context) (item T, from int, ok bool, err error) {
	from = -1
	for i, s := range p.streams {
		h, hok, err := p.head(ctx, s)
		if err != nil {
			return item, -1, false, err
		}
		if !hok {
			if s.done {
				continue
			}
			return item, -1, false, nil
		}
		if from < 0 || p.newer != nil && p.newer(h, item) {
			item, from = h, i
		}
	}
	return item, from, from >= 0, nil
}

// take consumes item from stream from, and from every other stream whose
// head is the same item.
func (p *pager[T]) take(item T, from int) {
	for i, s := range p.streams {
		if i == from || p.same != nil && s.loaded && s.skip < len(s.page) && p.same(s.page[s.skip], item) {
			s.skip++
		}
	}
}

// positions says where each stream stands, for the cursor.
func (p *pager[T]) positions() (pos []streamPos, more bool) {
	for _, s := range p.streams {
		exhausted := s.loaded && s.skip >= len(s.page)
		switch {
		case s.idle && s.next != "":
			pos = append(pos, streamPos{ref: s.next})
		case s.done || exhausted && (s.next == "" || s.next == s.ref):
			pos = append(pos, streamPos{done: true})
			continue
		case exhausted:
			pos = append(pos, streamPos{ref: s.next})
		default:
			pos = append(pos, streamPos{ref: s.ref, skip: s.skip})
		}
		more = true
	}
	return pos, more
}

// pagedQuery is what a paged command reads.
type pagedQuery[T any] struct {
	scope  cursorScope
	cursor string // the caller's, or ""
	limit  int
	fetch  fetchPage[T]
	// first returns the provider cursor of each stream's first page.
	first       []func() (string, error)
	newer, same func(a, b T) bool
	polling     bool
}

// readPaged fills up to q.limit items that accept keeps (and turns into
// R), from where q.cursor says or from the first pages, and returns them
// with the cursor of the rest ("" when nothing remains). Before answering
// it looks ahead to the next item accept keeps, so next_cursor means that
// more remain; it is also set when the call ran out of pages or time.
func readPaged[T, R any](ctx context.Context, p Providers, q pagedQuery[T], accept func(context.Context, T) (R, bool, error)) ([]R, string, error) {
	pg := &pager[T]{fetch: q.fetch, newer: q.newer, same: q.same, polling: q.polling}
	key := p.cursorKey()
	if q.cursor != "" {
		pos, err := q.scope.open(key, q.cursor, len(q.first))
		if err != nil {
			return nil, "", err
		}
		for _, sp := range pos {
			pg.streams = append(pg.streams, &stream[T]{ref: sp.ref, skip: sp.skip, done: sp.done})
		}
	} else {
		for _, first := range q.first {
			ref, err := first()
			if err != nil {
				return nil, "", err
			}
			pg.streams = append(pg.streams, &stream[T]{ref: ref})
		}
	}
	out := make([]R, 0, min(q.limit, 100))
	for {
		item, from, ok, err := pg.peek(ctx)
		if err != nil {
			return nil, "", err
		}
		if !ok {
			break
		}
		r, keep, err := accept(ctx, item)
		if err != nil {
			return nil, "", err
		}
		if keep && len(out) == q.limit {
			break // one more remains: it starts the next call
		}
		if keep {
			out = append(out, r)
		}
		pg.take(item, from)
	}
	pos, more := pg.positions()
	if !more {
		return out, "", nil
	}
	return out, q.scope.seal(key, pos), nil
}

// keepAll is readPaged's accept for commands that return every item.
func keepAll[T any](_ context.Context, item T) (T, bool, error) { return item, true, nil }

// pageTitle is a paged answer's table title: how many, and whether more.
func pageTitle(n int, what, next string) string {
	title := strconv.Itoa(n) + " " + what
	if next != "" {
		title += " (more: pass next_cursor as cursor)"
	}
	return title
}
