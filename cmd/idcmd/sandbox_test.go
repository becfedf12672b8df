package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
	"github.com/idcmd/idcmd/server"
)

// sandboxApp is the sandbox as serve --sandbox wires it: the fakes, idcmd
// configured from the sandbox's environment, served on loopback.
type sandboxApp struct {
	sb  *sandboxEnv
	cfg config.Config
	url string
	// announcement is what serve printed before listening.
	announcement string
}

// startSandboxApp starts a sandbox with the given caller environment
// (IDCMD_JWT_SECRET and IDCMD_DATA_DIR; empty means unset).
func startSandboxApp(t *testing.T, secret, dataDir string) *sandboxApp {
	t.Helper()
	t.Setenv("IDCMD_JWT_SECRET", secret)
	t.Setenv("IDCMD_DATA_DIR", dataDir)
	t.Setenv("IDCMD_STORE_URL", "")
	sb, err := startSandbox()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	cfg, err := config.Load("", sb.getenv)
	if err != nil {
		t.Fatal(err)
	}
	sb.configure(&cfg)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	app, err := server.Build(ctx, cfg, server.NewLogger(io.Discard, "error"), version)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Close() })
	srv := httptest.NewServer(sb.handler(app.Handler))
	t.Cleanup(srv.Close)
	var out bytes.Buffer
	if err := sb.announce(&out, strings.TrimPrefix(srv.URL, "http://"), cfg); err != nil {
		t.Fatal(err)
	}
	return &sandboxApp{sb: sb, cfg: cfg, url: srv.URL, announcement: out.String()}
}

// exports are the announcement's "export NAME=value" lines, the block a
// user pastes into a shell.
func (a *sandboxApp) exports() map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(a.announcement, "\n") {
		if name, value, ok := strings.Cut(strings.TrimPrefix(line, "export "), "="); ok && strings.HasPrefix(line, "export ") {
			m[name] = value
		}
	}
	return m
}

func (a *sandboxApp) post(t *testing.T, token, command, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, a.url+"/api/v1/commands/"+command, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

var emailPattern = regexp.MustCompile(`[a-z0-9._-]+@example\.com`)

// TestSandboxIncidentsNameExistingUsers: every user a seeded XSOAR or XDR
// incident names exists in the tenant the incident is about ("Okta: ..."
// in the fake Okta org, "PingOne: ..." in the fake PingOne environment),
// so a new user can act on the incident's user as the README suggests.
func TestSandboxIncidentsNameExistingUsers(t *testing.T) {
	a := startSandboxApp(t, "", "")
	tok := a.exports()["IDCMD_TOKEN"]
	type mention struct{ incident, provider, text string }
	var mentions []mention
	providerOf := func(name string) string {
		switch {
		case strings.HasPrefix(name, "Okta:"):
			return "okta"
		case strings.HasPrefix(name, "PingOne:"):
			return "pingone"
		}
		t.Errorf("incident %q does not say which tenant it is about (Okta: or PingOne:)", name)
		return ""
	}
	for _, in := range a.sb.xsoar.Incidents() {
		text := in.Name + " " + in.Details
		for _, l := range in.Labels {
			text += " " + l.Value
		}
		mentions = append(mentions, mention{"xsoar " + in.ID, providerOf(in.Name), text})
	}
	for _, in := range a.sb.xdr.Incidents() {
		text := in.Description + " " + strings.Join(in.Users, " ")
		for _, al := range in.Alerts {
			text += " " + al.UserName
		}
		if !emailPattern.MatchString(text) {
			continue // not about an identity (malware on a host)
		}
		mentions = append(mentions, mention{"xdr " + in.ID, providerOf(in.Description), text})
	}
	users := 0
	for _, m := range mentions {
		for _, user := range emailPattern.FindAllString(m.text, -1) {
			users++
			status, body := a.post(t, tok, "get-user", `{"provider":"`+m.provider+`","user":"`+user+`"}`)
			if status != http.StatusOK {
				t.Errorf("%s names %s, which is not a user of the sandbox's %s tenant: %d %v", m.incident, user, m.provider, status, body["detail"])
			}
		}
	}
	if users < 9 {
		t.Errorf("only %d users named in the seeded incidents; the seeds changed shape", users)
	}
}

// TestSandboxPrintsItsSecretAndStore: without IDCMD_JWT_SECRET the sandbox
// prints the random secret it signs with, so idcmd token can mint more
// tokens for it (XSOAR's), and it prints its store's directory, so idcmd
// audit verify checks that store and not ./data.
func TestSandboxPrintsItsSecretAndStore(t *testing.T) {
	a := startSandboxApp(t, "", "")
	ex := a.exports()
	if ex["IDCMD_JWT_SECRET"] != a.cfg.Auth.JWTSecret || len(ex["IDCMD_JWT_SECRET"]) < 32 {
		t.Fatalf("announcement does not export the sandbox's secret:\n%s", a.announcement)
	}
	if ex["IDCMD_DATA_DIR"] != a.sb.dataDir || ex["IDCMD_TOKEN"] == "" || ex["IDCMD_APPROVER_TOKEN"] == "" {
		t.Fatalf("announcement exports %v", ex)
	}

	// idcmd token, with the pasted secret, mints a token the sandbox accepts.
	t.Setenv("IDCMD_JWT_SECRET", ex["IDCMD_JWT_SECRET"])
	var minted bytes.Buffer
	if err := token([]string{"--subject", "xsoar", "--scope", "commands:read commands:write"}, &minted); err != nil {
		t.Fatal(err)
	}
	if status, body := a.post(t, strings.TrimSpace(minted.String()), "okta-suspend-user",
		`{"user":"jdoe@example.com","incident":{"platform":"xsoar","id":"1"}}`); status != http.StatusOK {
		t.Fatalf("suspend with a token from idcmd token: %d %v", status, body)
	}

	// idcmd audit verify, with the pasted IDCMD_DATA_DIR, checks the
	// sandbox's own store: the suspend above is in it.
	t.Setenv("IDCMD_DATA_DIR", ex["IDCMD_DATA_DIR"])
	var out bytes.Buffer
	if err := audit([]string{"verify"}, &out); err != nil {
		t.Fatalf("audit verify: %v\n%s", err, out.String())
	}
	var report verifyReport
	if err := json.Unmarshal(out.Bytes(), &report); err != nil {
		t.Fatal(err)
	}
	if report.Store != filepath.Join(a.sb.dataDir, sqliteFile) || report.Checked < 1 || !report.OK {
		t.Errorf("audit verify: %+v, want the sandbox's store with its record", report)
	}
}

// TestSandboxTakesTheCallersSecretAndStore: with IDCMD_JWT_SECRET and
// IDCMD_DATA_DIR set, the sandbox signs with that secret (and does not
// print it) and keeps its store there after it stops.
func TestSandboxTakesTheCallersSecretAndStore(t *testing.T) {
	secret := "my-own-sandbox-secret-0123456789abcdef"
	dir := t.TempDir()
	a := startSandboxApp(t, secret, dir)
	if a.cfg.Auth.JWTSecret != secret || a.sb.dataDir != dir {
		t.Fatalf("sandbox uses secret %q and dir %q", a.cfg.Auth.JWTSecret, a.sb.dataDir)
	}
	if strings.Contains(a.announcement, secret) || a.exports()["IDCMD_JWT_SECRET"] != "" {
		t.Errorf("announcement prints the caller's own secret:\n%s", a.announcement)
	}
	a.sb.Close()
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("the caller's IDCMD_DATA_DIR was removed: %v", err)
	}
}

// TestAuditVerifyRefusesAMissingStore: verify against a directory without
// a store is an error that says where it looked, not "0 records, ok".
func TestAuditVerifyRefusesAMissingStore(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("IDCMD_DATA_DIR", dir)
	t.Setenv("IDCMD_STORE_URL", "")
	var out bytes.Buffer
	err := audit([]string{"verify"}, &out)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, sqliteFile)) || !strings.Contains(err.Error(), "export IDCMD_DATA_DIR") {
		t.Fatalf("audit verify on an empty directory: %v, output %q", err, out.String())
	}
	if _, statErr := os.Stat(filepath.Join(dir, sqliteFile)); statErr == nil {
		t.Error("audit verify created an empty store")
	}
}

// TestSandboxHoldsGrantsOfItsOwnPrivilegedGroups: the seeded orgs'
// privileged groups (Super Admins, PingOne Admins) count as privileged in
// the sandbox, so adding a user to one waits for the approver there, while
// the quarantine group a responder uses is added at once.
func TestSandboxHoldsGrantsOfItsOwnPrivilegedGroups(t *testing.T) {
	a := startSandboxApp(t, "", "")
	tok := a.exports()["IDCMD_TOKEN"]
	for _, c := range []struct {
		command, body string
		want          int
	}{
		{"okta-add-to-group", `{"user":"jdoe@example.com","group":"Super Admins"}`, http.StatusAccepted},
		{"pingone-add-to-group", `{"user":"` + pingonetest.DemoActiveUser + `","group":"PingOne Admins"}`, http.StatusAccepted},
		{"okta-add-to-group", `{"user":"jdoe@example.com","group":"Quarantine"}`, http.StatusOK},
	} {
		if status, body := a.post(t, tok, c.command, c.body); status != c.want {
			t.Errorf("%s %s: %d, want %d: %v", c.command, c.body, status, c.want, body)
		}
	}
}

// TestSandboxRiskModelKnowsItsPrivilegedGroups: the seeded orgs' privileged
// groups count in the risk model too, unless the config file lists its own.
func TestSandboxRiskModelKnowsItsPrivilegedGroups(t *testing.T) {
	cfg := config.Defaults()
	(&sandboxEnv{}).configure(&cfg)
	for _, g := range append(oktatest.PrivilegedGroups(), pingonetest.PrivilegedGroups()...) {
		if !slices.Contains(cfg.Risk.Factors.PrivilegedAccess.Groups, g) {
			t.Errorf("risk groups %v lack %q", cfg.Risk.Factors.PrivilegedAccess.Groups, g)
		}
		if !slices.Contains(cfg.Rules.Detectors.Privileged.Groups, g) {
			t.Errorf("the privileged detector's groups %v lack %q", cfg.Rules.Detectors.Privileged.Groups, g)
		}
	}
	own := config.Defaults()
	own.Risk.Factors.PrivilegedAccess.Groups = []string{"Domain Admins"}
	(&sandboxEnv{}).configure(&own)
	if got := own.Risk.Factors.PrivilegedAccess.Groups; !slices.Equal(got, []string{"Domain Admins"}) {
		t.Errorf("a configured list was changed: %v", got)
	}
}
