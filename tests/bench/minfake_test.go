package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

// minfake is the baseline of BenchmarkProcess, so it must answer what the
// full fake answers for the same requests: the seeded user's exact bytes
// with Okta's rate-limit headers, 204 for the sessions DELETE, 401 with
// Okta's error body without the token. If it drifted, the benchmark would
// compare idcmd against something that is not Okta.
func TestMinfakeAnswersAsTheFullFake(t *testing.T) {
	m := startMinfake(t, buildPackage(t, "./minfake"))
	t.Cleanup(func() { m.stop(t) })
	full := oktatest.NewServer(oktatest.Options{Seed: true})
	t.Cleanup(full.Close)
	if id, _ := full.Org().UserID(oktatest.DemoActiveUser); id != m.userID {
		t.Fatalf("minfake serves user %q; the full fake's %s is %q", m.userID, oktatest.DemoActiveUser, id)
	}
	call := func(method, url, token string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "SSWS "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	userPath := "/api/v1/users/" + m.userID
	got, gotBody := call(http.MethodGet, m.url+userPath, m.token)
	want, wantBody := call(http.MethodGet, full.URL+userPath, full.Token)
	if got.StatusCode != http.StatusOK || want.StatusCode != http.StatusOK {
		t.Fatalf("GET user: %d; the full fake: %d", got.StatusCode, want.StatusCode)
	}
	// The bodies differ only where the full fake writes its own address
	// (_links) and the seed's times, which count back from when it started.
	if g, w := shape(t, gotBody), shape(t, wantBody); g != w {
		t.Errorf("GET user: minfake's body has the fields\n%s\nthe full fake's\n%s", g, w)
	}
	for _, h := range []string{"Content-Type", "X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"} {
		if got.Header.Get(h) == "" || (h == "Content-Type" && got.Header.Get(h) != want.Header.Get(h)) {
			t.Errorf("GET user: %s = %q; the full fake sends %q", h, got.Header.Get(h), want.Header.Get(h))
		}
	}
	if resp, _ := call(http.MethodDelete, m.url+userPath+"/sessions", m.token); resp.StatusCode != http.StatusNoContent {
		t.Errorf("DELETE sessions: %d, want 204", resp.StatusCode)
	}
	if resp, body := call(http.MethodGet, m.url+userPath, ""); resp.StatusCode != http.StatusUnauthorized || !json401(body) {
		t.Errorf("GET without the token: %d %s, want 401 with Okta's E0000011", resp.StatusCode, body)
	}
}

func json401(body []byte) bool {
	var e struct{ ErrorCode string }
	return json.Unmarshal(body, &e) == nil && e.ErrorCode == "E0000011"
}

// shape is a JSON object's member names, nested objects' included, sorted,
// with id and status and their values.
func shape(t *testing.T, body []byte) string {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	var names []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, x := range m {
			names = append(names, prefix+k)
			if sub, ok := x.(map[string]any); ok && k != "_links" {
				walk(prefix+k+".", sub)
			}
		}
	}
	walk("", v)
	slices.Sort(names)
	return fmt.Sprintf("%s\nid=%v status=%v", strings.Join(names, " "), v["id"], v["status"])
}
