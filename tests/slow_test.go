package tests

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/server"
)

// These tests play a slow client over raw TCP against idcmd served by
// server.Run, the real http.Server with its timeouts (newEnv's httptest
// server has none). They assert that the connection is answered and
// closed; the time bounds are only there so that a failure ends the test,
// and are generous multiples of the short timeouts configured here.

// servedAddr starts idcmd on 127.0.0.1:0 with server.Run and returns its
// address; tweak adjusts the server section of the configuration.
func servedAddr(t *testing.T, tweak func(*config.Server)) string {
	t.Helper()
	fake := oktatest.NewServer(oktatest.Options{Seed: true})
	t.Cleanup(fake.Close)
	vars := map[string]string{"IDCMD_JWT_SECRET": testSecret, "OKTA_BASE_URL": fake.URL, "OKTA_API_TOKEN": fake.Token, "IDCMD_DATA_DIR": t.TempDir()}
	cfg, err := config.Load("", func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Server.ShutdownTimeout = 2 * time.Second
	if tweak != nil {
		tweak(&cfg.Server)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := server.NewLogger(io.Discard, "error")
	ctx, stop := context.WithCancel(context.Background())
	app, err := server.Build(ctx, cfg, log, "test")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, app.Handler, ln, cfg.Server, log) }()
	t.Cleanup(func() {
		stop()
		<-done
		_ = app.Close()
	})
	return ln.Addr().String()
}

// trickler is a client connection that sends its request's head at once
// and then its body one byte per interval, until stopped or refused.
type trickler struct {
	conn net.Conn
	stop chan struct{}
	done chan struct{}
}

func trickle(t *testing.T, addr, head, body string, every time.Duration) *trickler {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	tr := &trickler{conn: conn, stop: make(chan struct{}), done: make(chan struct{})}
	t.Cleanup(func() { tr.halt(); conn.Close() })
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(tr.done)
		for i := 0; i < len(body); i++ {
			if _, err := conn.Write([]byte{body[i]}); err != nil {
				return // the server closed the connection: what we want
			}
			select {
			case <-tr.stop:
				return
			case <-time.After(every):
			}
		}
	}()
	return tr
}

func (tr *trickler) halt() {
	select {
	case <-tr.stop:
	default:
		close(tr.stop)
	}
	<-tr.done
}

// answer reads the response within bound, then requires the server to
// close the connection within bound as well.
func (tr *trickler) answer(t *testing.T, bound time.Duration) *http.Response {
	t.Helper()
	_ = tr.conn.SetReadDeadline(time.Now().Add(bound))
	br := bufio.NewReader(tr.conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer within %s: %v", bound, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	requireClosed(t, tr.conn, br, bound)
	return resp
}

// requireClosed waits up to bound for the server to close conn.
func requireClosed(t *testing.T, conn net.Conn, r io.Reader, bound time.Duration) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(bound))
	_, err := io.Copy(io.Discard, r)
	switch {
	case err == nil, errors.Is(err, syscall.ECONNRESET):
		// EOF or a reset: the server closed the connection.
	case errors.Is(err, os.ErrDeadlineExceeded):
		t.Fatalf("the server kept the connection open for %s", bound)
	default:
		t.Fatalf("reading until close: %v", err)
	}
}

func head(method, path, tok string, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: idcmd\r\nContent-Type: application/json\r\n", method, path)
	if tok != "" {
		fmt.Fprintf(&b, "Authorization: Bearer %s\r\n", tok)
	}
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// TestSlowBodyWithoutToken: a request without a valid token is answered
// 401 at once, without waiting for its body, and its connection is
// closed, whatever the request deadline (here a long one) and however the
// body is framed.
func TestSlowBodyWithoutToken(t *testing.T) {
	addr := servedAddr(t, func(s *config.Server) { s.RequestTimeout = 5 * time.Minute })
	body := `{"user":"` + strings.Repeat("a", 200) + `"}`
	cases := map[string]string{
		"content-length": head("POST", "/api/v1/commands/okta-get-user", "", fmt.Sprintf("Content-Length: %d", len(body))),
		"chunked":        head("POST", "/api/v1/commands/okta-get-user", "", "Transfer-Encoding: chunked"),
		"bad token":      head("POST", "/api/v1/commands/okta-get-user", "not-a-token", fmt.Sprintf("Content-Length: %d", len(body))),
		"approve":        head("POST", "/api/v1/approvals/x/approve", "", fmt.Sprintf("Content-Length: %d", len(body))),
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tr := trickle(t, addr, h, framed(h, body), 2*time.Second)
			resp := tr.answer(t, 20*time.Second)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", resp.StatusCode)
			}
			if !resp.Close {
				t.Error("the 401 does not say Connection: close")
			}
		})
	}
}

// framed is body as the head h announces it: one chunk and the last chunk
// for Transfer-Encoding: chunked, the bytes as they are for Content-Length.
func framed(h, body string) string {
	if strings.Contains(h, "chunked") {
		return fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(body), body)
	}
	return body
}

// TestSlowBodyWithToken: with a valid token, a body that has not arrived
// by the request deadline is a 408 problem, and the connection is closed.
func TestSlowBodyWithToken(t *testing.T) {
	addr := servedAddr(t, func(s *config.Server) { s.RequestTimeout = time.Second })
	body := `{"user":"` + strings.Repeat("a", 200) + `"}`
	cases := map[string]string{
		"command": head("POST", "/api/v1/commands/okta-get-user", token(t, "commands:read"), fmt.Sprintf("Content-Length: %d", len(body))),
		"chunked": head("POST", "/api/v1/commands/okta-get-user", token(t, "commands:read"), "Transfer-Encoding: chunked"),
		"approve": head("POST", "/api/v1/approvals/x/approve", token(t, "approvals:decide"), fmt.Sprintf("Content-Length: %d", len(body))),
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tr := trickle(t, addr, h, framed(h, body), 2*time.Second)
			resp := tr.answer(t, 20*time.Second)
			if resp.StatusCode != http.StatusRequestTimeout {
				t.Fatalf("status %d, want 408", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("content type %q", ct)
			}
		})
	}
}

// TestSlowHeaders: a client that sends its headers a byte at a time is
// cut off after server.read_header_timeout (1 s here; the bound is under
// the 10 s default, so the configured value is the one in force).
func TestSlowHeaders(t *testing.T) {
	addr := servedAddr(t, func(s *config.Server) { s.ReadHeaderTimeout = time.Second })
	tr := trickle(t, addr, "GET /healthz HTTP/1.1\r\n", "Host: idcmd\r\nX-Slow: "+strings.Repeat("a", 100)+"\r\n\r\n", 2*time.Second)
	requireClosed(t, tr.conn, tr.conn, 6*time.Second)
}

// TestIdleConnectionClosed: a kept-alive connection that sends nothing
// more is closed after server.idle_timeout (1 s here, 2 min by default).
func TestIdleConnectionClosed(t *testing.T) {
	addr := servedAddr(t, func(s *config.Server) { s.IdleTimeout = time.Second })
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: idcmd\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Close {
		t.Fatalf("healthz: %d, close %v; want a kept-alive 200", resp.StatusCode, resp.Close)
	}
	requireClosed(t, conn, br, 20*time.Second)
}

// TestFastUnreadBodyKeepsWorking: the close-instead-of-drain rule does not
// hurt a normal client: a 404 for an unknown command with a small body
// arrives whole, and the next call on a new connection works.
func TestFastUnreadBodyKeepsWorking(t *testing.T) {
	addr := servedAddr(t, nil)
	for i := 0; i < 3; i++ {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/commands/no-such-command", strings.NewReader(`{"user":"a"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token(t, "commands:read"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 404 || !strings.Contains(string(b), "no-such-command") {
			t.Fatalf("call %d: %d %s", i, resp.StatusCode, b)
		}
	}
}
