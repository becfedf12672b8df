package commands

import (
	"encoding/json"
	"fmt"
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

func TestHookAuthPrintsNoSecret(t *testing.T) {
	h := HookAuth{OktaHeader: "Authorization", OktaSecret: "okta-secret-123456", PingOneHeader: "X-Hook"}
	for _, out := range []string{fmt.Sprint(h), fmt.Sprintf("%+v", h), fmt.Sprintf("%#v", Providers{Hooks: h})} {
		if strings.Contains(out, "okta-secret-123456") {
			t.Fatalf("printed the secret: %s", out)
		}
	}
	if got := h.String(); got != "okta: Authorization (set), pingone: X-Hook (unset)" {
		t.Fatalf("String = %q", got)
	}
}
