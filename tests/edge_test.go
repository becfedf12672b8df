package tests

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

// TestBodyLimitIsOneMiB: the limit is 1 MiB exactly — 1,048,576 bytes
// pass, one more is a 413 — with a Content-Length and chunked.
func TestBodyLimitIsOneMiB(t *testing.T) {
	e := newEnv(t)
	const limit = 1 << 20
	args := fmt.Sprintf(`{"user":%q}`, oktatest.DemoActiveUser)
	padded := func(n int) []byte { return append([]byte(args), bytes.Repeat([]byte(" "), n-len(args))...) }
	tok := token(t, "commands:read")
	for _, chunked := range []bool{false, true} {
		for size, want := range map[int]int{limit: 200, limit + 1: 413} {
			t.Run(fmt.Sprintf("%d bytes chunked=%v", size, chunked), func(t *testing.T) {
				e.t = t
				body := padded(size)
				var rd io.Reader = bytes.NewReader(body)
				if chunked {
					rd = io.MultiReader(rd) // no length: sent chunked
				}
				req, _ := http.NewRequest(http.MethodPost, e.url+"/api/v1/commands/okta-get-user", rd)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+tok)
				if chunked && req.ContentLength != 0 {
					t.Fatal("the request is not chunked")
				}
				r := e.send(req, body)
				mustStatus(t, r, want)
				if want == 413 && !strings.Contains(r.json(t)["detail"].(string), "1 MiB") {
					t.Errorf("413 detail: %s", r.body)
				}
			})
		}
	}
	e.t = t
}
