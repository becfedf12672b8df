package httpx

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// TestBodyBytes: the body Do returns is readable as ever, and BodyBytes
// gives all of it however much was read, without a copy.
func TestBodyBytes(t *testing.T) {
	body := strings.Repeat("okta user ", 300)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, body) }))
	defer srv.Close()
	resp, err := New(Config{Provider: "test"}).Do(context.Background(), &Request{Method: http.MethodGet, URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 10)
	if _, err := io.ReadFull(resp.Body, head); err != nil || string(head) != body[:10] {
		t.Fatalf("reading the body: %q, %v", head, err)
	}
	b, err := BodyBytes(resp)
	if err != nil || string(b) != body {
		t.Fatalf("BodyBytes after a partial read: %d bytes, %v", len(b), err)
	}
	again, _ := BodyBytes(resp)
	if &again[0] != &b[0] {
		t.Error("BodyBytes copied the body")
	}
	rest, _ := io.ReadAll(resp.Body)
	if string(head)+string(rest) != body {
		t.Error("the body read through is not the body")
	}
	other := &http.Response{Body: io.NopCloser(strings.NewReader("plain"))}
	if b, err := BodyBytes(other); err != nil || string(b) != "plain" {
		t.Errorf("BodyBytes of another response: %q, %v", b, err)
	}
}

// TestReadBodySizes: whatever length the response announced, readBody
// returns exactly the bytes sent, in reads of any size, and refuses a body
// past the limit.
func TestReadBodySizes(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 500)
	for _, announced := range []int64{-1, 0, 10, int64(len(body)) - 1, int64(len(body)), int64(len(body)) + 1, 1 << 40} {
		for name, r := range map[string]io.Reader{"whole": bytes.NewReader(body), "one byte at a time": iotest.OneByteReader(bytes.NewReader(body)),
			"data with EOF": iotest.DataErrReader(bytes.NewReader(body))} {
			got, err := readBody(r, announced, 1<<20)
			if err != nil || !bytes.Equal(got, body) {
				t.Errorf("announced %d, %s: %d bytes, %v", announced, name, len(got), err)
			}
		}
	}
	if _, err := readBody(bytes.NewReader(body), int64(len(body)), int64(len(body))-1); err == nil || !strings.Contains(err.Error(), "larger than "+strconv.Itoa(len(body)-1)) {
		t.Errorf("a body past the limit: %v", err)
	}
	if got, err := readBody(bytes.NewReader(body), int64(len(body)), int64(len(body))); err != nil || len(got) != len(body) {
		t.Errorf("a body at the limit: %d bytes, %v", len(got), err)
	}
	if _, err := readBody(iotest.ErrReader(io.ErrUnexpectedEOF), 100, 1000); err == nil {
		t.Error("a failed read returned a body")
	}
}
