package auth

import (
	"context"
	"testing"
	"time"
)

// BenchmarkVerify checks the same HS256 token again and again, as a
// playbook's integration presents one token on every call.
func BenchmarkVerify(b *testing.B) {
	v, err := NewVerifier(context.Background(), Config{Secret: secret, Issuer: "idcmd", Audience: "idcmd", Leeway: 30 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := Mint(secret, "idcmd", "idcmd", "xsoar", []string{"commands:read", "commands:write"}, time.Hour, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.Verify(tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}
