package cortexkey

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNonceAlphabetIsUniform(t *testing.T) {
	counts := map[byte]int{}
	const nonces = 500
	for range nonces {
		n, err := NewNonce()
		if err != nil {
			t.Fatal(err)
		}
		for i := range len(n) {
			counts[n[i]]++
		}
	}
	if len(counts) != len(nonceAlphabet) {
		t.Fatalf("%d distinct characters, want %d", len(counts), len(nonceAlphabet))
	}
	// With a plain byte % 62 the first 256 % 62 = 8 characters would come
	// up 5/4 as often as the others. Over 32,000 characters an unbiased
	// source keeps their average within a few percent of the rest.
	first := 0
	for i := range 8 {
		first += counts[nonceAlphabet[i]]
	}
	avg := float64(nonces*nonceLength) / float64(len(nonceAlphabet))
	if ratio := float64(first) / 8 / avg; ratio > 1.1 {
		t.Errorf("the first 8 characters come up %.2f times as often as average: modulo bias", ratio)
	}
}

// TestKeyAndVerifier: what Key sends, Verifier accepts once; a wrong
// secret, a wrong id, a stale timestamp and a replayed nonce are refused.
func TestKeyAndVerifier(t *testing.T) {
	now := time.Now()
	for _, advanced := range []bool{false, true} {
		k := &Key{ID: "7", Secret: "s3cret", Advanced: advanced}
		v := &Verifier{ID: "7", Secret: "s3cret", Advanced: advanced}
		req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/x", nil)
		if err := k.Apply(req, now); err != nil {
			t.Fatal(err)
		}
		if !v.Check(req.Header, now) {
			t.Fatalf("advanced=%v: a correct request was refused", advanced)
		}
		if advanced && v.Check(req.Header, now) {
			t.Error("a replayed nonce was accepted")
		}
		wrong := &Verifier{ID: "7", Secret: "other", Advanced: advanced}
		fresh, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/x", nil)
		_ = k.Apply(fresh, now)
		if wrong.Check(fresh.Header, now) {
			t.Errorf("advanced=%v: a wrong secret was accepted", advanced)
		}
		if (&Verifier{ID: "8", Secret: "s3cret", Advanced: advanced}).Check(fresh.Header, now) {
			t.Errorf("advanced=%v: a wrong key id was accepted", advanced)
		}
		if advanced && (&Verifier{ID: "7", Secret: "s3cret", Advanced: true}).Check(fresh.Header, now.Add(MaxSkew+time.Minute)) {
			t.Error("a stale timestamp was accepted")
		}
	}
	if s := (&Key{ID: "7", Secret: "s3cret"}).String(); s == "" || containsSecret(s) {
		t.Errorf("String() = %q", s)
	}
}

func containsSecret(s string) bool { return strings.Contains(s, "s3cret") }
