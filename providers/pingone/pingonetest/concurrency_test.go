package pingonetest

import (
	"io"
	"net/http"
	"sync"
	"testing"
)

// TestConcurrentUse exercises reads and writes from many goroutines at
// once; run with -race it checks that the fake is goroutine-safe.
func TestConcurrentUse(t *testing.T) {
	srv, clk := seeded(t)
	c := newClient(t, srv)
	ids := []string{userID(t, srv, DemoActiveUser), userID(t, srv, DemoAdminUser), userID(t, srv, DemoRiskyUser)}
	filter := activityFilterFor(clk.Now(), "")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			id := ids[g%len(ids)]
			for i := range 15 {
				var r response
				switch (g + i) % 6 {
				case 0:
					r = c.get("/users/" + id + "?include=memberOfGroupNames")
				case 1:
					r = c.do("POST", "/users/"+id, []string{ctAccountLock, ctAccountUnlock}[i%2], "")
				case 2:
					r = c.get("/users?limit=50&filter=enabled%20eq%20true")
				case 3:
					r, _ = c.activities(filter, "&limit=20")
				case 4:
					r = c.do("POST", "/riskEvaluations", "application/json", riskBody("10.0.0.1", id, "EXTERNAL"))
				case 5:
					r = c.get("/users/" + id + "/sessions")
				}
				if r.status >= 500 || r.status == http.StatusUnauthorized {
					t.Errorf("goroutine %d call %d: %d %s", g, i, r.status, r.body)
				}
			}
		})
	}
	// State accessors race with the handlers too.
	wg.Go(func() {
		for range 30 {
			srv.Env().User(DemoActiveUser)
			srv.Env().ActivityCount()
			srv.Env().AddSessions(DemoAdminUser, 1)
		}
	})
	wg.Wait()
}

// BenchmarkGetUser measures the fake's throughput for the provider's most
// frequent call, over real HTTP.
func BenchmarkGetUser(b *testing.B) {
	srv := NewServer(Options{Seed: true})
	defer srv.Close()
	tok := fetchToken(b, srv)
	id, _ := srv.Env().UserID(DemoActiveUser)
	url := srv.URL + "/environments/" + srv.EnvironmentID + "/users/" + id
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	hc := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}
