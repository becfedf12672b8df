// Package fakeserver serves a fake provider on loopback, like
// httptest.Server, for the fakes' NewServer.
package fakeserver

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// Listener is a running fake. The zero value (a fake built without a
// listener, for callers that serve its handler themselves) closes as a no-op.
type Listener struct {
	srv  *http.Server
	done chan struct{}
	once sync.Once
}

// Start serves h on 127.0.0.1 on a free port and returns its base URL. It
// panics when no port can be had: fakes exist for tests, which cannot go on.
func Start(name string, h http.Handler) (string, *Listener) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(name + ": listen on 127.0.0.1: " + err.Error())
	}
	l := &Listener{srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		_ = l.srv.Serve(ln) // returns http.ErrServerClosed on Close
	}()
	return "http://" + ln.Addr().String(), l
}

// Close stops the listener and waits for it; it may be called more than once.
func (l *Listener) Close() {
	if l == nil || l.srv == nil {
		return
	}
	l.once.Do(func() {
		_ = l.srv.Close()
		<-l.done
	})
}

// Sleep waits d or until ctx ends, and reports whether d passed: the fakes'
// injected latency and their delivery backoff, cut short by a request
// that gave up or a server that closes.
func Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
