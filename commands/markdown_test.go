package commands

import "testing"

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
