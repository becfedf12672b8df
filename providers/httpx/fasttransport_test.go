package httpx

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fastClient is a Client on the default transport, fastTransport.
func fastClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	if cfg.Provider == "" {
		cfg.Provider = "test"
	}
	c := New(cfg)
	if _, ok := c.http.Transport.(*fastTransport); !ok {
		t.Fatalf("default transport is %T, want *fastTransport", c.http.Transport)
	}
	return c
}

func TestFastTransportKeepsWhatTheServerSent(t *testing.T) {
	var sawURI, sawUA, sawHost string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawURI, sawUA, sawHost = r.RequestURI, r.UserAgent(), r.Host
		w.Header().Add("Link", `<https://x/a>; rel="self"`)
		w.Header().Add("Link", `<https://x/b>; rel="next"`)
		w.Header().Set("X-Rate-Limit-Remaining", "99")
		w.Header()["Content-Type"] = nil   // net/http would sniff one
		w.WriteHeader(http.StatusAccepted) // and no Content-Type
		_, _ = io.WriteString(w, "done")
	}))
	defer srv.Close()
	c := fastClient(t, Config{})
	// An escaped slash and @ must reach the server as written: a login is
	// part of the path in Okta's API.
	resp, err := c.Do(context.Background(), &Request{Method: http.MethodGet, URL: srv.URL + "/users/a%2Fb%40c?q=x%20y",
		Header: http.Header{"User-Agent": {"idcmd/test"}}})
	if err != nil {
		t.Fatal(err)
	}
	if sawURI != "/users/a%2Fb%40c?q=x%20y" || sawUA != "idcmd/test" || sawHost != strings.TrimPrefix(srv.URL, "http://") {
		t.Errorf("server saw URI %q, User-Agent %q, Host %q", sawURI, sawUA, sawHost)
	}
	if resp.StatusCode != http.StatusAccepted || resp.Status != "202 Accepted" {
		t.Errorf("status %d %q", resp.StatusCode, resp.Status)
	}
	if links := resp.Header.Values("Link"); len(links) != 2 || !strings.Contains(links[1], `rel="next"`) {
		t.Errorf("Link headers %q, want both", links)
	}
	if got := resp.Header.Get("X-Rate-Limit-Remaining"); got != "99" {
		t.Errorf("X-Rate-Limit-Remaining %q", got)
	}
	if _, err := http.ParseTime(resp.Header.Get("Date")); err != nil {
		t.Errorf("Date header: %v", err)
	}
	if ct, ok := resp.Header["Content-Type"]; ok {
		t.Errorf("Content-Type %q made up for an answer that had none", ct)
	}
	body, _ := BodyBytes(resp)
	if string(body) != "done" || resp.ContentLength != 4 {
		t.Errorf("body %q, length %d", body, resp.ContentLength)
	}
}

func TestFastTransportSendsBodyAndDecodesGzip(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, _ := io.ReadAll(r.Body)
		if r.Header.Get("Accept-Encoding") != "gzip" {
			t.Errorf("Accept-Encoding %q, want gzip", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		_, _ = zw.Write([]byte(`{"echo":` + string(in) + `}`))
		_ = zw.Close()
	}))
	defer srv.Close()
	resp, err := fastClient(t, Config{}).Do(context.Background(), &Request{Method: http.MethodPost, URL: srv.URL, Body: []byte(`[1,2]`)})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := BodyBytes(resp)
	if string(body) != `{"echo":[1,2]}` {
		t.Errorf("body %q", body)
	}
	if resp.Header.Get("Content-Encoding") != "" || !resp.Uncompressed {
		t.Errorf("Content-Encoding %q, Uncompressed %v: the body is decoded", resp.Header.Get("Content-Encoding"), resp.Uncompressed)
	}
}

func TestFastTransportEndsTheRequestWithItsContext(t *testing.T) {
	release := make(chan struct{})
	gone := make(chan struct{}, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done(): // the client closed the connection
			gone <- struct{}{}
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c := fastClient(t, Config{})

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Do(ctx, &Request{Method: http.MethodGet, URL: srv.URL})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("cancel took %v to end the request", waited)
	}
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Error("the server never saw the connection close")
	}

	ctx, stop := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer stop()
	if _, err := c.Do(ctx, &Request{Method: http.MethodGet, URL: srv.URL}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}

	// An ended request's connection is never pooled: the next call works.
	quick := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer quick.Close()
	if _, err := c.Do(context.Background(), &Request{Method: http.MethodGet, URL: quick.URL}); err != nil {
		t.Fatal(err)
	}
}

func TestFastTransportRefusesAnOversizedBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, strings.Repeat("x", 2048))
	}))
	defer srv.Close()
	_, err := fastClient(t, Config{MaxBodyBytes: 1024}).Do(context.Background(), &Request{Method: http.MethodGet, URL: srv.URL})
	if err == nil || !strings.Contains(err.Error(), "larger than 1024 bytes") {
		t.Fatalf("err = %v, want the body limit", err)
	}
}

// closingServer answers the first request on each connection, keeping it
// alive, then reads the next request on it and closes the connection
// without answering: a server closing an idle kept-alive connection just as
// a request arrives on it. It counts the requests it read, by method.
type closingServer struct {
	ln          net.Listener
	gets, posts atomic.Int32
}

func newClosingServer(t *testing.T) *closingServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &closingServer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(conn)
		}
	}()
	return s
}

func (s *closingServer) serve(conn net.Conn) {
	defer conn.Close()
	br := bufio.NewReader(conn)
	for i := 0; ; i++ {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, req.Body)
		if req.Method == http.MethodPost {
			s.posts.Add(1)
		} else {
			s.gets.Add(1)
		}
		if i > 0 {
			return // closed under the kept-alive request
		}
		_, _ = io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	}
}

func TestFastTransportResendsOnlyWhatIsSafeOnAClosedConnection(t *testing.T) {
	s := newClosingServer(t)
	url := "http://" + s.ln.Addr().String()
	c := fastClient(t, Config{})
	ctx := context.Background()

	for range 2 { // the second GET meets the closed connection and is re-sent
		if _, err := c.Do(ctx, &Request{Method: http.MethodGet, URL: url}); err != nil {
			t.Fatalf("GET: %v", err)
		}
	}
	if got := s.gets.Load(); got != 3 {
		t.Errorf("server read %d GETs, want 3 (one re-sent)", got)
	}

	// A POST on the connection the last GET left open: the server read it,
	// so it is not sent again.
	if _, err := c.Do(ctx, &Request{Method: http.MethodPost, URL: url, Body: []byte("{}")}); err == nil {
		t.Fatal("POST on a connection closed under it succeeded")
	}
	if got := s.posts.Load(); got != 1 {
		t.Errorf("server read %d POSTs, want 1: a POST is never re-sent behind the caller", got)
	}
	// With an idempotency key the provider can tell a repeat: it is re-sent.
	if _, err := c.Do(ctx, &Request{Method: http.MethodPost, URL: url, Body: []byte("{}")}); err != nil {
		t.Fatalf("second POST on a fresh connection: %v", err)
	}
	if _, err := c.Do(ctx, &Request{Method: http.MethodPost, URL: url, Body: []byte("{}"),
		Header: http.Header{"Idempotency-Key": {"k1"}}}); err != nil {
		t.Fatalf("POST with Idempotency-Key: %v", err)
	}
	if got := s.posts.Load(); got != 4 {
		t.Errorf("server read %d POSTs, want 4", got)
	}
}

func TestFastTransportProxiesAsNetHTTPDoes(t *testing.T) {
	// A proxy that answers every request itself: a request that reaches it
	// went through it.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "want CONNECT", http.StatusMethodNotAllowed)
			return
		}
		http.Error(w, "proxied "+r.Host, http.StatusForbidden)
	}))
	defer proxy.Close()
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("NO_PROXY", "")
	// 192.0.2.1 (TEST-NET-1) is never dialed: only the proxy is asked for it.
	_, err := fastClient(t, Config{}).Do(context.Background(), &Request{Method: http.MethodGet, URL: "http://192.0.2.1/api"})
	if err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("err = %v, want the proxy's refusal of the CONNECT", err)
	}

	// Loopback is never proxied, whatever the environment says.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "direct") }))
	defer srv.Close()
	resp, err := fastClient(t, Config{}).Do(context.Background(), &Request{Method: http.MethodGet, URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := BodyBytes(resp); string(body) != "direct" {
		t.Errorf("body %q", body)
	}
}
