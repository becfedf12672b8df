package tests

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

// accessLogLines returns the access-log records ("msg":"request") of logs.
func accessLogLines(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "request" {
			out = append(out, m)
		}
	}
	return out
}

// TestRequestIDFromCaller: a short printable X-Request-Id is kept; one
// that is too long or has other characters is replaced by a fresh id,
// which is the id in the header, the body and the access log — the
// caller's text appears nowhere.
func TestRequestIDFromCaller(t *testing.T) {
	e := newEnv(t)
	long := "xsoar-" + strings.Repeat("A", 200)
	cases := map[string]struct {
		id   string
		kept bool
	}{
		"sane":           {"xsoar-inc-1234.task:7_a", true},
		"64 characters":  {strings.Repeat("b", 64), true},
		"65 characters":  {strings.Repeat("c", 65), false},
		"very long":      {long, false},
		"spaces, quotes": {`id with "quotes" and spaces`, false},
		"markup":         {"<script>x</script>", false},
		"non-ASCII":      {"idé-1", false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e.t = t
			req, _ := http.NewRequest(http.MethodPost, e.url+"/api/v1/commands/okta-get-user", strings.NewReader(`{}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token(t, "commands:read"))
			req.Header.Set("X-Request-Id", tc.id)
			r := e.send(req, []byte(`{}`))
			mustStatus(t, r, 400)
			got := r.header.Get("X-Request-Id")
			if body := r.json(t)["request_id"]; body != got {
				t.Errorf("body request_id %v, header %q", body, got)
			}
			if tc.kept != (got == tc.id) {
				t.Fatalf("X-Request-Id %q for %q; kept = %v, want %v", got, tc.id, got == tc.id, tc.kept)
			}
			if !tc.kept && (len(got) != 36 || strings.Count(got, "-") != 4) {
				t.Errorf("the fresh id %q is not a UUID", got)
			}
			var logged bool
			for _, l := range accessLogLines(t, e.logs.String()) {
				if l["request_id"] == got {
					logged = true
				}
				if !tc.kept && l["request_id"] == tc.id {
					t.Error("the access log records the caller's rejected id")
				}
			}
			if !logged {
				t.Errorf("no access-log record with request_id %q", got)
			}
		})
	}
	e.t = t
	if strings.Contains(e.logs.String(), long) {
		t.Error("the caller's long id reached the log")
	}
}

// TestUnknownCommandEchoIsBounded: an unknown command's name is quoted
// back, cut to a bounded length with a marker, in the problem and the log.
func TestUnknownCommandEchoIsBounded(t *testing.T) {
	e := newEnv(t)
	name := "okta-" + strings.Repeat("x", 6000)
	r := e.run(name, `{}`)
	mustStatus(t, r, 404)
	detail, _ := r.json(t)["detail"].(string)
	if !strings.Contains(detail, "okta-xxx") || !strings.Contains(detail, "truncated") {
		t.Errorf("detail does not quote the name's start with a truncation marker: %.200q", detail)
	}
	if len(r.body) > 1000 {
		t.Errorf("problem is %d bytes for a long name", len(r.body))
	}
	short := e.run("okta-delete-everything", `{}`)
	mustStatus(t, short, 404)
	if d := short.json(t)["detail"].(string); !strings.Contains(d, `"okta-delete-everything"`) || strings.Contains(d, "truncated") {
		t.Errorf("a short unknown name is not quoted whole: %q", d)
	}
	if strings.Contains(e.logs.String(), strings.Repeat("x", 300)) {
		t.Error("the log carries the long name")
	}
	var found bool
	for _, l := range accessLogLines(t, e.logs.String()) {
		if c, _ := l["command"].(string); strings.HasPrefix(c, "okta-xxx") {
			found = true
			if len(c) > 100 {
				t.Errorf("logged command is %d bytes", len(c))
			}
		}
	}
	if !found {
		t.Error("the access log lacks the unknown command's (truncated) name")
	}
}

// TestReadinessDetailsNeedAToken: anonymous /readyz says ok or failing per
// provider and nothing else; a commands:read token sees why one fails; a
// token without that scope, or an invalid one, gets the anonymous view.
func TestReadinessDetailsNeedAToken(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true, oktaToken: "wrong-okta-token"})
	e.pingone.Close() // PingOne unreachable
	anonymous := e.do(http.MethodGet, "/readyz", "", "", nil)
	mustStatus(t, anonymous, 503)
	checks := anonymous.json(t)["checks"].(map[string]any)
	if checks["okta"] != "failing" || checks["pingone"] != "failing" || anonymous.json(t)["status"] != "failing" {
		t.Errorf("anonymous readyz: %s", anonymous.body)
	}
	for _, secret := range []string{e.pingone.ClientID, "wrong-okta-token", e.okta.URL, e.pingone.URL, strings.TrimPrefix(e.okta.URL, "http://"), "401", "refused"} {
		if strings.Contains(string(anonymous.body), secret) {
			t.Errorf("anonymous readyz shows %q: %s", secret, anonymous.body)
		}
	}
	for name, tok := range map[string]string{"no scope": token(t), "approver": token(t, "approvals:decide"), "invalid": "not-a-token"} {
		r := e.do(http.MethodGet, "/readyz", "", tok, nil)
		mustStatus(t, r, 503)
		if !bytes.Equal(r.body, anonymous.body) {
			t.Errorf("%s token: %s, want the anonymous view", name, r.body)
		}
	}
	detailed := e.do(http.MethodGet, "/readyz", "", token(t, "commands:read"), nil)
	mustStatus(t, detailed, 503)
	dc := detailed.json(t)["checks"].(map[string]any)
	for _, p := range []string{"okta", "pingone"} {
		if why, _ := dc[p].(string); why == "" || why == "failing" || why == "ok" {
			t.Errorf("commands:read readyz gives no reason for %s: %s", p, detailed.body)
		}
	}
	if strings.Contains(string(detailed.body), "wrong-okta-token") {
		t.Error("readyz details leak the Okta token")
	}

	// A healthy server says ok per provider to anyone.
	ok := newEnv(t)
	r := ok.do(http.MethodGet, "/readyz", "", "", nil)
	mustStatus(t, r, 200)
	if r.json(t)["checks"].(map[string]any)["okta"] != "ok" {
		t.Errorf("healthy readyz: %s", r.body)
	}
}

// rawExchange sends raw bytes on a new connection, half-closes it (the
// client has nothing more to send) and reads the answer.
func rawExchange(t *testing.T, baseURL, raw string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(baseURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	_ = conn.(*net.TCPConn).CloseWrite()
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp
}

// TestTruncatedApproveBody: an approve body cut off on the wire (fewer
// bytes than its Content-Length) or cut off inside the JSON is a 400
// problem, never a 500.
func TestTruncatedApproveBody(t *testing.T) {
	e := newEnv(t)
	// A held call to approve, so the request is otherwise valid.
	held := e.run("okta-deactivate-user", fmt.Sprintf(`{"user":%q}`, oktatest.DemoSuspendedUser))
	mustStatus(t, held, 202)
	path := "/api/v1/approvals/" + held.json(t)["approval"].(map[string]any)["id"].(string) + "/approve"
	approver := tokenFor(t, "approver", "approvals:decide")

	body := `{"comment":"confirmed with the manager"}`
	raw := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: idcmd\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		path, approver, len(body)+40, body[:15])
	resp := rawExchange(t, e.url, raw)
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("cut-off body: %d %s", resp.StatusCode, b)
	}

	r := e.do(http.MethodPost, path, "application/json", approver, []byte(`{"comment":"confirmed`))
	mustStatus(t, r, 400)
	if strings.Contains(e.logs.String(), `"status":500`) {
		t.Error("a truncated approve body produced a 500")
	}
}

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

// TestTokenHeaderAndDateRules: over HTTP, a token with a crit header or a
// string exp is a 401 that says why.
func TestTokenHeaderAndDateRules(t *testing.T) {
	e := newEnv(t)
	sign := func(header map[string]any, mod func(jwt.MapClaims)) string {
		c := jwt.MapClaims{"iss": "idcmd", "aud": "idcmd", "sub": "x", "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(), "scope": "commands:read"}
		if mod != nil {
			mod(c)
		}
		tk := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
		for k, v := range header {
			tk.Header[k] = v
		}
		s, err := tk.SignedString([]byte(testSecret))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for name, tc := range map[string]struct {
		tok, why string
	}{
		"crit":       {sign(map[string]any{"crit": []string{"x-policy"}, "x-policy": 1}, nil), "crit"},
		"string exp": {sign(nil, func(c jwt.MapClaims) { c["exp"] = fmt.Sprint(time.Now().Add(time.Hour).Unix()) }), "numbers"},
	} {
		t.Run(name, func(t *testing.T) {
			e.t = t
			r := e.do(http.MethodPost, "/api/v1/commands/okta-get-user", "application/json", tc.tok, []byte(`{"user":"a"}`))
			mustStatus(t, r, 401)
			if d := r.json(t)["detail"].(string); !strings.Contains(d, tc.why) {
				t.Errorf("detail %q lacks %q", d, tc.why)
			}
		})
	}
	e.t = t
}
