package xdrtest

import (
	"github.com/idcmd/idcmd/providers/cortexkey"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestStandardAuth(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	good := goodAuth(s)
	tests := []struct {
		name string
		a    auth
		want int
	}{
		{"good", good, 200},
		{"wrong key", auth{key: "nope", keyID: s.APIKeyID}, 401},
		{"wrong key id", auth{key: s.APIKey, keyID: "8"}, 401},
		{"no key id", auth{key: s.APIKey}, 401},
		{"advanced headers for a standard key", auth{key: s.APIKey, keyID: s.APIKeyID, advanced: true, at: s.now()}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(t, s, pathGet, tt.a, `{"request_data":{}}`)
			if status != tt.want {
				t.Fatalf("status = %d, want %d (%v)", status, tt.want, body)
			}
			if status == 401 {
				want := map[string]any{"err_code": 401.0, "err_msg": msgUnauthorized, "err_extra": nil}
				if diff := cmp.Diff(want, errReply(body)); diff != "" {
					t.Errorf("error reply (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestAdvancedAuth(t *testing.T) {
	s, clk := newTestServer(t, Options{Advanced: true, APIKey: "adv-key", APIKeyID: "3"})
	now := clk.Now()
	nonce := func(c string) string { return strings.Repeat(c, 64) }
	tests := []struct {
		name string
		a    auth
		want int
	}{
		{"good", auth{key: "adv-key", keyID: "3", advanced: true, at: now, nonce: nonce("a")}, 200},
		{"replayed nonce", auth{key: "adv-key", keyID: "3", advanced: true, at: now.Add(time.Second), nonce: nonce("a")}, 401},
		{"4 minutes skew", auth{key: "adv-key", keyID: "3", advanced: true, at: now.Add(-4 * time.Minute), nonce: nonce("b")}, 200},
		{"stale", auth{key: "adv-key", keyID: "3", advanced: true, at: now.Add(-6 * time.Minute), nonce: nonce("c")}, 401},
		{"future", auth{key: "adv-key", keyID: "3", advanced: true, at: now.Add(6 * time.Minute), nonce: nonce("d")}, 401},
		{"short nonce", auth{key: "adv-key", keyID: "3", advanced: true, at: now, nonce: "abc"}, 401},
		{"nonce with symbols", auth{key: "adv-key", keyID: "3", advanced: true, at: now, nonce: nonce("-")}, 401},
		{"wrong key", auth{key: "other", keyID: "3", advanced: true, at: now, nonce: nonce("e")}, 401},
		{"wrong key id", auth{key: "adv-key", keyID: "4", advanced: true, at: now, nonce: nonce("f")}, 401},
		{"standard header", auth{key: "adv-key", keyID: "3"}, 401},
		// A refused request does not use its nonce up.
		{"nonce of a refused request", auth{key: "adv-key", keyID: "3", advanced: true, at: now, nonce: nonce("e")}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, body := post(t, s, pathGet, tt.a, `{"request_data":{}}`); status != tt.want {
				t.Fatalf("status = %d, want %d (%v)", status, tt.want, body)
			}
		})
	}
}

func TestNonceForgottenOnceStale(t *testing.T) {
	s, clk := newTestServer(t, Options{Advanced: true})
	a := goodAuth(s)
	a.nonce = strings.Repeat("Z", 64)
	if status, _ := post(t, s, pathGet, a, `{"request_data":{}}`); status != 200 {
		t.Fatalf("first use: %d", status)
	}
	clk.Advance(cortexkey.MaxSkew + time.Second)
	a.at = clk.Now()
	if status, _ := post(t, s, pathGet, a, `{"request_data":{}}`); status != 200 {
		t.Fatalf("the nonce with a new timestamp after the old one went stale: %d, want 200", status)
	}
}

func TestFrontDoor(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	good := goodAuth(s)
	tests := []struct {
		name, path, body string
		want             int
	}{
		{"no trailing slash", "/public_api/v1/incidents/get_incidents", `{"request_data":{}}`, 200},
		{"unknown call", "/public_api/v1/incidents/delete_everything/", `{"request_data":{}}`, 404},
		{"outside the API", "/", ``, 404},
		{"invalid JSON", pathGet, `{"request_data":`, 400},
		{"no request_data", pathGet, `{}`, 400},
		{"request_data not an object", pathGet, `{"request_data":[1]}`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(t, s, tt.path, good, tt.body)
			if status != tt.want {
				t.Fatalf("status = %d, want %d (%v)", status, tt.want, body)
			}
			if status != 200 && errReply(body) == nil {
				t.Errorf("body = %v, want an XDR error reply", body)
			}
		})
	}
	req, _ := http.NewRequest(http.MethodGet, s.URL+pathGet, nil)
	good.apply(req.Header)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET = %d, Allow %q; want 405, POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestInjectStatusAfterAuthentication(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	s.InjectStatus(1, 503)
	if status, _ := post(t, s, pathGet, auth{key: "bad", keyID: s.APIKeyID}, `{"request_data":{}}`); status != 401 {
		t.Fatalf("bad key while a failure is queued: %d, want 401", status)
	}
	status, body := post(t, s, pathGet, goodAuth(s), `{"request_data":{}}`)
	if status != 503 || errReply(body)["err_msg"] != msgInternal {
		t.Fatalf("first authenticated call = %d %v, want the injected 503", status, body)
	}
	if status, _ := post(t, s, pathGet, goodAuth(s), `{"request_data":{}}`); status != 200 {
		t.Fatalf("then %d, want 200", status)
	}
	if s.Requests() != 3 {
		t.Errorf("Requests() = %d, want 3", s.Requests())
	}
}

func TestDown(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	id := s.AddIncident("x", "low")
	s.SetDown(true)
	status, body := post(t, s, pathGet, goodAuth(s), `{"request_data":{}}`)
	if status != 503 {
		t.Fatalf("down: %d %v, want 503", status, body)
	}
	if _, isText := body.(string); !isText {
		t.Errorf("down body = %v, want plain text like a load balancer's", body)
	}
	s.SetDown(false)
	if status, _ := post(t, s, pathGet, goodAuth(s), `{"request_data":{}}`); status != 200 || len(s.Incidents()) != 1 || s.Incidents()[0].ID != id {
		t.Fatalf("back up: %d, incidents %v; want 200 and the state kept", status, s.Incidents())
	}
}

func TestLatencyEndsWithTheRequest(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	s.SetLatency(time.Hour)
	c := &http.Client{Timeout: 50 * time.Millisecond}
	req, _ := http.NewRequest(http.MethodPost, s.URL+pathGet, strings.NewReader(`{"request_data":{}}`))
	goodAuth(s).apply(req.Header)
	if _, err := c.Do(req); err == nil {
		t.Fatal("want a client timeout")
	}
	s.Close() // must not hang on the parked request
}
