package commands

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// listing is a provider listing for the pager tests: pages by reference
// ("p0", "p1", ...), each with the reference of the next ("" on the last).
type listing struct {
	pages [][]int
	reads []string
}

func (l *listing) fetch(_ context.Context, ref string) ([]int, string, error) {
	l.reads = append(l.reads, ref)
	var i int
	if _, err := fmt.Sscanf(ref, "p%d", &i); err != nil || i >= len(l.pages) {
		return nil, "", errors.New("no such page " + ref)
	}
	next := ""
	if i+1 < len(l.pages) {
		next = fmt.Sprintf("p%d", i+1)
	}
	return l.pages[i], next, nil
}

func (l *listing) query(scope cursorScope, cursor string, limit int) pagedQuery[int] {
	return pagedQuery[int]{scope: scope, cursor: cursor, limit: limit, fetch: l.fetch,
		first: []func() (string, error){func() (string, error) { return "p0", nil }}}
}

var testScope = scopeOf("okta-get-logs", OktaGetLogsArgs{Filter: `eventType eq "x"`})

// readAll pages through l with the given limits (the last one repeats)
// and returns every item in order and the number of calls.
func readAll(t *testing.T, l *listing, limits ...int) ([]int, int) {
	t.Helper()
	var all []int
	cursor := ""
	for call := 0; ; call++ {
		if call > 1000 {
			t.Fatal("the cursors never end")
		}
		limit := limits[min(call, len(limits)-1)]
		got, next, err := readPaged(context.Background(), Providers{}, l.query(testScope, cursor, limit), keepAll)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) > limit {
			t.Fatalf("call %d returned %d items for a limit of %d", call, len(got), limit)
		}
		if len(got) < limit && next != "" && len(l.pages) <= maxPagesPerCall {
			t.Fatalf("call %d returned %d items of %d, and a cursor", call, len(got), limit)
		}
		all = append(all, got...)
		if next == "" {
			return all, call + 1
		}
		cursor = next
	}
}

func TestPagerFillsTheLimitFromShortPages(t *testing.T) {
	// Okta and PingOne send short pages (even empty ones) with a next link.
	l := &listing{pages: [][]int{{1, 2, 3}, {}, {4, 5}, {6, 7, 8, 9, 10}}}
	got, next, err := readPaged(context.Background(), Providers{}, l.query(testScope, "", 7), keepAll)
	if err != nil || !slices.Equal(got, []int{1, 2, 3, 4, 5, 6, 7}) || next == "" {
		t.Fatalf("first call = %v, %q, %v", got, next, err)
	}
	// The last page had more than needed: the cursor resumes after 7.
	l.reads = nil
	got, next2, err := readPaged(context.Background(), Providers{}, l.query(testScope, next, 7), keepAll)
	if err != nil || !slices.Equal(got, []int{8, 9, 10}) || next2 != "" {
		t.Fatalf("second call = %v, %q, %v", got, next2, err)
	}
	if !slices.Equal(l.reads, []string{"p3"}) {
		t.Errorf("second call read %v, want only the page it stopped in", l.reads)
	}
}

func TestPagerCursorOnlyWhenMoreRemain(t *testing.T) {
	cases := []struct {
		name  string
		pages [][]int
		limit int
		more  bool
	}{
		{"limit at the end of the last page", [][]int{{1, 2}, {3, 4}}, 4, false},
		{"next link to an empty last page", [][]int{{1, 2}, {}}, 2, false},
		{"next links to empty pages, then an item", [][]int{{1, 2}, {}, {}, {3}}, 2, true},
		{"fewer than the limit", [][]int{{1}, {2}}, 5, false},
		{"one more on the next page", [][]int{{1, 2}, {3}}, 2, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := &listing{pages: tc.pages}
			_, next, err := readPaged(context.Background(), Providers{}, l.query(testScope, "", tc.limit), keepAll)
			if err != nil || (next != "") != tc.more {
				t.Errorf("next = %q, %v; want more = %v", next, err, tc.more)
			}
		})
	}
}

// TestPagerNeverLosesOrRepeats pages through random listings with random
// limits: every item comes once, in order, whatever the page sizes.
func TestPagerNeverLosesOrRepeats(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		var pages [][]int
		n := 0
		for range rng.IntN(12) + 1 {
			page := make([]int, rng.IntN(9)) // empty pages included
			for i := range page {
				n++
				page[i] = n
			}
			pages = append(pages, page)
		}
		limits := []int{rng.IntN(10) + 1, rng.IntN(10) + 1, rng.IntN(10) + 1}
		got, _ := readAll(t, &listing{pages: pages}, limits...)
		want := make([]int, n)
		for i := range want {
			want[i] = i + 1
		}
		if !slices.Equal(got, want) {
			t.Fatalf("round %d, pages %v, limits %v: got %v", round, pages, limits, got)
		}
	}
}

func TestPagerMergesStreamsOnce(t *testing.T) {
	// Two newest-first listings (by actor, by resource) that share items.
	a := &listing{pages: [][]int{{10, 9, 7}, {5, 4}, {1}}}
	b := &listing{pages: [][]int{{9, 8}, {7, 6, 5}, {3, 2, 1}}}
	fetch := func(ctx context.Context, ref string) ([]int, string, error) {
		l, r, _ := strings.Cut(ref, "-")
		if l == "a" {
			items, next, err := a.fetch(ctx, r)
			if next != "" {
				next = "a-" + next
			}
			return items, next, err
		}
		items, next, err := b.fetch(ctx, r)
		if next != "" {
			next = "b-" + next
		}
		return items, next, err
	}
	var all []int
	cursor := ""
	for calls := 0; calls < 20; calls++ {
		got, next, err := readPaged(context.Background(), Providers{}, pagedQuery[int]{
			scope: testScope, cursor: cursor, limit: 3, fetch: fetch,
			first: []func() (string, error){func() (string, error) { return "a-p0", nil }, func() (string, error) { return "b-p0", nil }},
			newer: func(x, y int) bool { return x > y }, same: func(x, y int) bool { return x == y },
		}, keepAll)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, got...)
		if cursor = next; cursor == "" {
			break
		}
	}
	if want := []int{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}; !slices.Equal(all, want) {
		t.Errorf("merged = %v, want %v", all, want)
	}
}

func TestPagerAcceptFillsFromLaterPages(t *testing.T) {
	// failures_only, min_level: items passed over do not count.
	l := &listing{pages: [][]int{{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10}}}
	even := func(_ context.Context, v int) (int, bool, error) { return v, v%2 == 0, nil }
	got, next, err := readPaged(context.Background(), Providers{}, l.query(testScope, "", 4), even)
	if err != nil || !slices.Equal(got, []int{2, 4, 6, 8}) || next == "" {
		t.Fatalf("first = %v, %q, %v", got, next, err)
	}
	got, next, err = readPaged(context.Background(), Providers{}, l.query(testScope, next, 4), even)
	if err != nil || !slices.Equal(got, []int{10}) || next != "" {
		t.Fatalf("second = %v, %q, %v", got, next, err)
	}
	// Nothing kept after the limit: no cursor.
	l = &listing{pages: [][]int{{2, 4}, {5, 7}}}
	if _, next, _ := readPaged(context.Background(), Providers{}, l.query(testScope, "", 2), even); next != "" {
		t.Errorf("cursor %q though only odd items remain", next)
	}
}

func TestPagerPollingStopsAtAnEmptyPage(t *testing.T) {
	// Okta polling: every page has a next link; an empty one means caught up.
	pages := map[string][]int{"p0": {1, 2}, "p1": {}}
	fetch := func(_ context.Context, ref string) ([]int, string, error) {
		if ref == "p0" {
			return pages[ref], "p1", nil
		}
		return pages[ref], "p1", nil
	}
	q := pagedQuery[int]{scope: testScope, limit: 10, fetch: fetch, polling: true,
		first: []func() (string, error){func() (string, error) { return "p0", nil }}}
	got, next, err := readPaged(context.Background(), Providers{}, q, keepAll)
	if err != nil || !slices.Equal(got, []int{1, 2}) || next == "" {
		t.Fatalf("poll = %v, %q, %v; want the items and a cursor to come back to", got, next, err)
	}
	pages["p1"] = []int{3}
	q.cursor = next
	if got, _, _ := readPaged(context.Background(), Providers{}, q, keepAll); !slices.Equal(got, []int{3}) {
		t.Errorf("later poll = %v, want the new event", got)
	}
}

func TestPagerStopsAfterMaxPages(t *testing.T) {
	pages := make([][]int, 2*maxPagesPerCall+1)
	pages[len(pages)-1] = []int{1}
	l := &listing{pages: pages}
	got, next, err := readPaged(context.Background(), Providers{}, l.query(testScope, "", 5), keepAll)
	if err != nil || len(got) != 0 || next == "" || len(l.reads) != maxPagesPerCall {
		t.Fatalf("= %v, %q, %v after %d reads; want nothing yet, a cursor, %d reads", got, next, err, len(l.reads), maxPagesPerCall)
	}
	all, calls := readAll(t, &listing{pages: pages}, 5)
	if !slices.Equal(all, []int{1}) || calls != 3 {
		t.Errorf("read %v in %d calls", all, calls)
	}
}

// TestCursorsAreBound checks that a cursor works only for the command and
// arguments that produced it, whatever the limit, and that nothing is
// fetched for a cursor that is refused.
func TestCursorsAreBound(t *testing.T) {
	l := &listing{pages: [][]int{{1, 2, 3}, {4, 5, 6}}}
	args := OktaGetLogsArgs{Filter: `eventType eq "x"`, Limit: 2}
	scope := scopeOf("okta-get-logs", args)
	_, cursor, err := readPaged(context.Background(), Providers{}, l.query(scope, "", 2), keepAll)
	if err != nil || cursor == "" {
		t.Fatal(cursor, err)
	}
	other := args
	other.Limit, other.Cursor = 50, cursor
	if s := scopeOf("okta-get-logs", other); string(s.query) != string(scope.query) {
		t.Errorf("limit or cursor changed the scope: %s vs %s", s.query, scope.query)
	}
	if !strings.HasPrefix(cursor, "c1.p0:2.") {
		t.Fatalf("cursor %q; the cases below alter its parts", cursor)
	}
	mac := cursor[strings.LastIndexByte(cursor, '.')+1:]
	refused := map[string]struct {
		scope  cursorScope
		cursor string
		key    []byte
	}{
		"another command":     {scopeOf("okta-get-security-events", args), cursor, nil},
		"another filter":      {scopeOf("okta-get-logs", OktaGetLogsArgs{Filter: `eventType eq "y"`}), cursor, nil},
		"another since":       {scopeOf("okta-get-logs", OktaGetLogsArgs{Filter: args.Filter, Since: "2026-01-01T00:00:00Z"}), cursor, nil},
		"another key":         {scope, cursor, []byte("another replica's key, 32 bytes!")},
		"altered position":    {scope, strings.Replace(cursor, "p0:2.", "p0:1.", 1), nil},
		"another page":        {scope, strings.Replace(cursor, "p0:", "p1:", 1), nil},
		"a space and a query": {scope, strings.Replace(cursor, "p0:", "p0 /api/v1/users?q=x:", 1), nil},
		"no MAC":              {scope, cursor[:strings.LastIndexByte(cursor, '.')], nil},
		"MAC only":            {scope, mac, nil},
		"provider cursor":     {scope, "L2FwaS92MS9sb2dzP2FmdGVyPTE", nil},
		"empty position":      {scope, "c1..x", nil},
		"two streams for one": {scope, scope.seal(processCursorKey(), []streamPos{{ref: "p0"}, {ref: "p1"}}), nil},
		"negative skip":       {scope, scope.seal(processCursorKey(), []streamPos{{ref: "p0", skip: -1}}), nil},
		"another version":     {scope, strings.Replace(cursor, "c1.", "c0.", 1), nil},
		"sealed for another":  {scope, scopeOf("pingone-list-users", args).seal(processCursorKey(), []streamPos{{ref: "p0"}}), nil},
	}
	for name, tc := range refused {
		t.Run(name, func(t *testing.T) {
			l.reads = nil
			_, _, err := readPaged(context.Background(), Providers{CursorKey: tc.key}, l.query(tc.scope, tc.cursor, 2), keepAll)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Errors[0].Location != "body.cursor" {
				t.Fatalf("err = %v, want an input error at body.cursor", err)
			}
			if len(l.reads) != 0 {
				t.Errorf("read %v for a refused cursor", l.reads)
			}
		})
	}
	got, _, err := readPaged(context.Background(), Providers{}, l.query(scope, cursor, 10), keepAll)
	if err != nil || !slices.Equal(got, []int{3, 4, 5, 6}) {
		t.Errorf("same arguments, larger limit: %v, %v", got, err)
	}
}

func TestCursorKey(t *testing.T) {
	if CursorKey("", "") != nil {
		t.Error("a key from no secret")
	}
	a, b := CursorKey("", "jwt-secret"), CursorKey("cursor-secret", "jwt-secret")
	if len(a) != 32 || string(a) == "jwt-secret" || string(a) == string(b) || string(b) != string(CursorKey("cursor-secret")) {
		t.Errorf("keys %x, %x: want the first secret given, derived", a, b)
	}
	// Two replicas with the same secret accept each other's cursors.
	scope := scopeOf("okta-get-logs", OktaGetLogsArgs{})
	c := scope.seal(a, []streamPos{{ref: "p0", skip: 1}})
	if _, err := scope.open(CursorKey("", "jwt-secret"), c, 1); err != nil {
		t.Errorf("same secret: %v", err)
	}
	if _, err := scope.open(b, c, 1); err == nil {
		t.Error("another secret accepted the cursor")
	}
}

// TestPagedCommandsTakeCursor checks the catalog: every command with a
// limit argument is paged, takes cursor, documents both, and caps limit at
// MaxLimit or below.
func TestPagedCommandsTakeCursor(t *testing.T) {
	paged := 0
	for _, cmd := range Builtin.All() {
		info := cmd.Info()
		limit, hasLimit := fieldByJSONName(info.ArgsType, "limit")
		if !hasLimit {
			continue
		}
		paged++
		cursor, ok := fieldByJSONName(info.ArgsType, "cursor")
		if !ok {
			t.Errorf("%s has limit but no cursor", info.Name)
			continue
		}
		var max int
		if _, err := fmt.Sscanf(limit.Tag.Get("validate")[strings.Index(limit.Tag.Get("validate"), "max=")+4:], "%d", &max); err != nil || max > MaxLimit {
			t.Errorf("%s: limit %q, want a max of at most %d", info.Name, limit.Tag.Get("validate"), MaxLimit)
		}
		if !strings.Contains(cursor.Tag.Get("validate"), "max=16384") {
			t.Errorf("%s: cursor %q", info.Name, cursor.Tag.Get("validate"))
		}
	}
	if paged < 9 {
		t.Errorf("%d paged commands, want at least 9", paged)
	}
}

func fieldByJSONName(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			if sf, ok := fieldByJSONName(f.Type, name); ok {
				return sf, true
			}
			continue
		}
		if n, _, _ := strings.Cut(f.Tag.Get("json"), ","); n == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// TestPagerStopsNearTheDeadline: with the request's deadline (nearly)
// gone, a call reads no page beyond its first and answers what it has,
// with a cursor for the rest.
func TestPagerStopsNearTheDeadline(t *testing.T) {
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	l := &listing{pages: [][]int{{1}, {2}, {3}}}
	got, next, err := readPaged(ctx, Providers{}, l.query(testScope, "", 3), keepAll)
	if err != nil || !slices.Equal(got, []int{1}) || next == "" || len(l.reads) != 1 {
		t.Fatalf("= %v, %q, %v after reads %v", got, next, err, l.reads)
	}
	got, _, err = readPaged(context.Background(), Providers{}, l.query(testScope, next, 3), keepAll)
	if err != nil || !slices.Equal(got, []int{2, 3}) {
		t.Errorf("resumed = %v, %v", got, err)
	}
}
