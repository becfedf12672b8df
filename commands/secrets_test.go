package commands

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestStoredCopyRedactsEveryEncoding(t *testing.T) {
	secret := "https://org.okta.com/reset/abc?x=1&y=<2>"
	res := &Result{
		ResultMeta: ResultMeta{Command: "okta-reset-password", RequestID: "req-1", RawResponse: map[string]any{"resetPasswordUrl": secret},
			ReadableOutput: "link: " + secret},
		Outputs: map[string]string{"ResetPasswordURL": secret},
		secrets: []string{secret},
	}
	b := storedCopy(res)
	if strings.Contains(string(b), "abc?x=1") {
		t.Fatalf("stored copy holds the secret: %s", b)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.SecretsWithheld || !strings.Contains(back.ReadableOutput, "delivered once, in the answer to request req-1") {
		t.Errorf("stored copy: %s", b)
	}
	// The answer itself keeps the secret.
	live, _ := json.Marshal(res)
	if !strings.Contains(string(live), `abc?x=1\u0026y=\u003c2\u003e`) {
		t.Errorf("the live answer lost the secret: %s", live)
	}
	if got := storedCopy(&Result{ResultMeta: ResultMeta{Command: "c"}}); strings.Contains(string(got), "secrets_withheld") {
		t.Errorf("a result without secrets is marked: %s", got)
	}
}

func TestBoundJSON(t *testing.T) {
	big := strings.Repeat("é", 1000)
	out := boundJSON(json.RawMessage(`{"user":"` + big + `","short":"ok","list":[` + strings.Repeat(`"x",`, 200) + `"x"]}`))
	if len(out) > maxRefusedJSON {
		t.Fatalf("bounded to %d bytes", len(out))
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if m["short"] != "ok" || !strings.Contains(m["user"].(string), "[truncated, 2000 bytes]") || !strings.Contains(m["list"].(string), "truncated") {
		t.Errorf("bounded: %s", out)
	}
	if got := string(boundJSON(json.RawMessage(`not json` + strings.Repeat("!", 300)))); !strings.Contains(got, "truncated") {
		t.Errorf("non-object: %s", got)
	}
}

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
	if got := escapeCell("[a](http://x) <img> *b* |"); got != `\[a\](http://x) \<img\> \*b\* \|` {
		t.Errorf("escapeCell = %q", got)
	}
}
