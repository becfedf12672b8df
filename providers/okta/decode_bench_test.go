package okta

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

// BenchmarkDecodeUser decodes the fake org's demo user (1.7 KB) with
// encoding/json, as the client did, and as it does now.
func BenchmarkDecodeUser(b *testing.B) {
	fake := oktatest.NewServer(oktatest.Options{Seed: true})
	id, _ := fake.Org().UserID(oktatest.DemoActiveUser)
	req, _ := http.NewRequest(http.MethodGet, fake.URL+"/api/v1/users/"+id, nil)
	req.Header.Set("Authorization", "SSWS "+fake.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fake.Close()
	for name, decode := range map[string]func([]byte, any) error{"encoding-json": json.Unmarshal, "now": unmarshal} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var u User
				if err := decode(body, &u); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
