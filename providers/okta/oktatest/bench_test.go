package oktatest

import (
	"io"
	"net/http"
	"testing"
)

// BenchmarkGetUser measures GET /api/v1/users/{id} over real HTTP, the
// call responders make most.
func BenchmarkGetUser(b *testing.B) {
	srv := NewServer(Options{Seed: true})
	defer srv.Close()
	id, _ := srv.Org().UserID(DemoActiveUser)
	url := srv.URL + "/api/v1/users/" + id
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("Authorization", "SSWS "+srv.Token)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}
