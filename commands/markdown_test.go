package commands

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestLiteralAndCellEscaping(t *testing.T) {
	for in, want := range map[string]string{
		"jdoe@example.com":     "` jdoe@example.com `",
		"a`b":                  "`` a`b ``",
		"x | y\nz":             "` x \\| y z `",
		"[a](https://e.x) <b>": "` [a](https://e.x) <b> `",
		"":                     "",
	} {
		if got := literal(in); got != want {
			t.Errorf("literal(%q) = %q, want %q", in, got, want)
		}
	}
	if got := escapeCell("[a](x) <img> SUPER_ADMIN |"); got != `\[a\](x) \<img\> SUPER_ADMIN \|` {
		t.Errorf("escapeCell = %q", got)
	}
	// A bare URL would be autolinked whatever its escapes: it is code.
	for _, in := range []string{"see https://evil.example", "WWW.evil.example", "[a](http://x)"} {
		if got := escapeCell(in); got != literal(in) {
			t.Errorf("escapeCell(%q) = %q, want a code span", in, got)
		}
	}
}

// escapeCellAsBefore is escapeCell as it was before its fast paths: the
// reference they must match.
func escapeCellAsBefore(s string) string {
	if strings.Contains(s, "://") || strings.Contains(strings.ToLower(s), "www.") {
		return literal(s)
	}
	return cellEscaper.Replace(s)
}

// TestEscapeCellFastPaths: escapeCell answers as it did before it skipped
// the replacer for text with nothing to escape and lowered only non-ASCII
// text: on cells of every kind and on random strings over the characters
// that matter (case variants of www., the Kelvin sign that lowers to k,
// every escaped character, multi-byte text).
func TestEscapeCellFastPaths(t *testing.T) {
	cells := []string{"", "00ub0oNGTSWTBKOLGLNR", "jdoe@example.com", "John Doe", "ACTIVE → DEPROVISIONED", "SUPER_ADMIN",
		"2026-01-02T03:04:05Z", "WWW.x", "wWw.", "ww.w.", "www", "ｗｗｗ.", "\u212a", "a|b", "a\r\nb", "[x](y)", "<b>", "&amp;",
		"back\\slash", "`code`", "İstanbul www.", "Straße", "http://x", "x://"}
	alphabet := []rune{'w', 'W', '.', 'a', ' ', '|', '\n', '\r', '\\', '`', '[', ']', '<', '>', '&', ':', '/', 'é', '\u212a', 'ｗ', 'İ'}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]rune, r.IntN(12))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		cells = append(cells, string(b))
	}
	for _, c := range cells {
		if got, want := escapeCell(c), escapeCellAsBefore(c); got != want {
			t.Fatalf("escapeCell(%q) = %q, want %q", c, got, want)
		}
	}
}

// TestTableAllocatesOnce: a table whose cells need no escaping is built
// in one allocation (the builder's buffer, sized up front).
func TestTableAllocatesOnce(t *testing.T) {
	row := []string{"00ub0oNGTSWTBKOLGLNR", "jdoe@example.com", "John Doe", "ACTIVE", "Engineering", "2026-12-01T14:43:38Z"}
	if n := testing.AllocsPerRun(100, func() { _ = table("Okta user jdoe@example.com", userHeaders, [][]string{row}) }); n != 1 {
		t.Errorf("table: %v allocations, want 1", n)
	}
}
