package tests

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/auth"
	"github.com/idcmd/idcmd/catalog"
	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
	"github.com/idcmd/idcmd/providers/prisma/prismatest"
	"github.com/idcmd/idcmd/server"
)

// FuzzCommandBody sends arbitrary bodies to every command through the whole
// server (decode, validation, the Okta and PingOne clients and their
// fakes): no input may panic or produce a 5xx other than a provider
// failure.
func FuzzCommandBody(f *testing.F) {
	fake := oktatest.NewServer(oktatest.Options{Seed: true})
	f.Cleanup(fake.Close)
	p1 := pingonetest.NewServer(pingonetest.Options{Seed: true})
	f.Cleanup(p1.Close)
	pc := prismatest.NewServer(prismatest.Options{Seed: true})
	f.Cleanup(pc.Close)
	vars := map[string]string{"PRISMA_API_URL": pc.URL, "PRISMA_ACCESS_KEY": pc.AccessKey, "PRISMA_SECRET_KEY": pc.SecretKey, "IDCMD_JWT_SECRET": testSecret, "OKTA_BASE_URL": fake.URL, "OKTA_API_TOKEN": fake.Token, "IDCMD_DATA_DIR": f.TempDir(),
		"PINGONE_ENVIRONMENT_ID": p1.EnvironmentID, "PINGONE_CLIENT_ID": p1.ClientID, "PINGONE_CLIENT_SECRET": p1.ClientSecret,
		"PINGONE_API_URL": p1.URL, "PINGONE_AUTH_URL": p1.AuthURL}
	cfg, err := config.Load("", func(k string) string { return vars[k] })
	if err != nil {
		f.Fatal(err)
	}
	app, err := server.Build(context.Background(), cfg, server.NewLogger(io.Discard, "error"), "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = app.Close() })
	h := app.Handler
	tok, err := auth.Mint([]byte(testSecret), "idcmd", "idcmd", "fuzzer", allScopes, time.Hour, time.Now())
	if err != nil {
		f.Fatal(err)
	}
	names := make([]string, 0)
	for _, c := range catalog.Default.All() {
		names = append(names, c.Info().Name)
	}
	for i, seed := range []string{
		`{"user":"jdoe@example.com"}`, `{}`, ``, `null`, `[]`, `{"user":`, `{"user":1e999}`,
		`{"user":"a","incident":{"platform":"xsoar","id":"1"}}`, `{"incident":null}`, `{"incident":{"incident":{}}}`,
		`{"limit":-1}`, `{"limit":1.5}`, `{"since":"2026-13-45T99:00:00Z"}`, `{"event_types":[null]}`,
		`{"cursor":"%%%"}`, `{"filter":"eventType eq \"` + "\x00" + `\""}`, `{"user":"../../admin"}`, `{"user":"a/b"}`,
		"{\"user\":\"\xff\xfe\"}", `{"send_email":"yes"}`, `{"forget_devices":null,"user":"x"}`,
		`{"user":"a","USER":"b"}`, `{"user":"a","user":"b"}`, `{"USER":"a","incident":{"platform":"xdr","id":"1"}}`,
		`{"user":"a","incident":{"platform":"xdr","id":"1","ID":"2"}}`, `{"user":"a","incident":{"id":"1","id":"2"}}`,
		`{"cursor":"c1.L2FwaS92MS9sb2dz:0.AAAAAAAAAAAAAAAAAAAAAA"}`, `{"limit":1000,"cursor":"c1.-.-.x"}`,
		`{"user":"awong@example.com","idp":"pingone","cloud":"aws"}`, `{"alert_ids":["I-1001"],"note":"x","hours":1e9}`,
		`{"alert_ids":[],"note":""}`, `{"name":"p","query":"config from iam where x = '\\'","account_groups":["a"]}`,
		`{"user":"x' OR source.idp.email != '"}`, `{"name":"` + "\u0000" + `","test":true}`,
	} {
		f.Add(uint8(i), seed)
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		name := names[int(which)%len(names)]
		req := httptest.NewRequest(http.MethodPost, "/api/v1/commands/"+name, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 && rec.Code != http.StatusBadGateway && rec.Code != http.StatusGatewayTimeout {
			t.Fatalf("%s %q → %d: %s", name, body, rec.Code, rec.Body)
		}
		if rec.Code == 0 {
			t.Fatalf("%s %q: no status", name, body)
		}
	})
}
