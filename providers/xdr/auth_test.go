package xdr

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"testing"
)

// recorder keeps the headers of every request and answers {"reply": true}.
type recorder struct {
	mu      sync.Mutex
	headers []http.Header
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	rec.headers = append(rec.headers, r.Header.Clone())
	rec.mu.Unlock()
	writeJSON(w, 200, `{"reply": true}`)
}

func TestStandardKeyHeaders(t *testing.T) {
	rec := &recorder{}
	c, _ := newTestClient(t, rec, nil)
	if err := c.AddIncidentComment(context.Background(), "12", "done"); err != nil {
		t.Fatal(err)
	}
	h := rec.headers[0]
	if h.Get("Authorization") != testKey || h.Get("x-xdr-auth-id") != testKeyID {
		t.Errorf("Authorization = %q, x-xdr-auth-id = %q; want the key and its ID", h.Get("Authorization"), h.Get("x-xdr-auth-id"))
	}
	if h.Get("x-xdr-nonce") != "" || h.Get("x-xdr-timestamp") != "" {
		t.Errorf("a standard key sent a nonce or timestamp: %v", h)
	}
}

var nonceRE = regexp.MustCompile(`^[A-Za-z0-9]{64}$`)

func TestAdvancedKeyHeaders(t *testing.T) {
	rec := &recorder{}
	c, clock := newTestClient(t, rec, func(cfg *Config) { cfg.Advanced = true })
	for range 2 {
		if err := c.AddIncidentComment(context.Background(), "12", "done"); err != nil {
			t.Fatal(err)
		}
	}
	for _, h := range rec.headers {
		nonce, ts := h.Get("x-xdr-nonce"), h.Get("x-xdr-timestamp")
		if !nonceRE.MatchString(nonce) {
			t.Errorf("nonce %q is not 64 characters of [A-Za-z0-9]", nonce)
		}
		if want := strconv.FormatInt(clock.Now().UnixMilli(), 10); ts != want {
			t.Errorf("timestamp = %q, want the clock in ms, %s", ts, want)
		}
		sum := sha256.Sum256([]byte(testKey + nonce + ts))
		if got := h.Get("Authorization"); got != hex.EncodeToString(sum[:]) {
			t.Errorf("Authorization = %q, want sha256(key+nonce+timestamp)", got)
		}
		if h.Get("x-xdr-auth-id") != testKeyID {
			t.Errorf("x-xdr-auth-id = %q", h.Get("x-xdr-auth-id"))
		}
	}
	if rec.headers[0].Get("x-xdr-nonce") == rec.headers[1].Get("x-xdr-nonce") {
		t.Error("two requests shared a nonce")
	}
}
