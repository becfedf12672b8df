package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/rules"
	"github.com/idcmd/idcmd/store"
)

// replayStore makes a SQLite store in a fresh IDCMD_DATA_DIR with two
// locked-account events at a fixed time, decided by rules that route
// nothing, and closes it (the CLI opens its own).
func replayStore(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("IDCMD_DATA_DIR", dir)
	t.Setenv("IDCMD_STORE_URL", "")
	st, err := store.Open(t.Context(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for i, user := range []string{"jdoe", "kpatel"} {
		ev := events.Event{ID: "ev-" + user, Provider: events.Okta, Type: "user.account.lock", Time: at.Add(time.Duration(i) * time.Minute),
			User: user + "@example.com", UserID: "00u" + user}
		rec, err := ev.Record(store.SourceHook, ev.Time.Add(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.AppendEvents(t.Context(), []store.Event{rec}, nil); err != nil {
			t.Fatal(err)
		}
	}
	d := &rules.Decider{Store: st, Config: rules.Defaults(), Owner: "test", Log: slog.New(slog.DiscardHandler)}
	if n, err := d.RunOnce(t.Context()); err != nil || n != 2 {
		t.Fatalf("decided %d: %v", n, err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

// replayConfig routes locked accounts to a configured XSOAR and suspends
// their users.
const replayConfig = `event_routing:
  user.account.lock: [xsoar]
integrations:
  xsoar:
    base_url: https://xsoar.example.com
    api_key: replay-test-key
    auto_create_incidents: true
automated_responses:
  enabled: true
  scope: all
  actions:
    suspend_user:
      trigger_severity: high
`

func runRules(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"rules"}, args...), &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

// TestRulesReplay: idcmd rules replay prints, as indented JSON, what the
// configured rules would do with the stored events of the range (not what
// the rules that decided them did), and changes nothing.
func TestRulesReplay(t *testing.T) {
	replayStore(t)
	cfg := filepath.Join(t.TempDir(), "idcmd.yaml")
	if err := os.WriteFile(cfg, []byte(replayConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"replay", "--config", cfg, "--since", "2026-11-23T09:00:00Z", "--until", "2026-11-23T11:00:00Z"}
	out, errOut, code := runRules(t, args...)
	var rep rules.ReplayReport
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil {
		t.Fatalf("rules replay: exit %d: %s %s", code, out, errOut)
	}
	if !strings.HasPrefix(out, "{\n  \"since\"") {
		t.Errorf("not indented JSON:\n%.200s", out)
	}
	if rep.Events != 2 || rep.Routed[rules.ToXSOAR] != 2 || rep.Responses["suspend_user"] != 2 || len(rep.Decisions) != 2 {
		t.Errorf("replay with routes and responses: %+v", rep)
	}
	out, _, code = runRules(t, append(args, "--limit", "1")...)
	rep = rules.ReplayReport{}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || len(rep.Decisions) != 1 || rep.Routed[rules.ToXSOAR] != 2 {
		t.Errorf("--limit 1: exit %d, %+v", code, rep)
	}
	// Without the config: the defaults route nothing, as when decided.
	out, _, code = runRules(t, "replay", "--since", "2026-11-23T09:00:00Z", "--until", "2026-11-23T11:00:00Z")
	rep = rules.ReplayReport{}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Events != 2 || len(rep.Routed) != 0 || rep.Decisions == nil {
		t.Errorf("replay with the defaults: exit %d, %s", code, out)
	}
	// An age: the last 24 hours hold none of these events.
	out, _, code = runRules(t, "replay", "--config", cfg, "--since", "24h")
	rep = rules.ReplayReport{}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Events != 0 {
		t.Errorf("--since 24h: exit %d, %s", code, out)
	}

	// The replays queued and recorded nothing.
	st, err := store.Open(t.Context(), "", os.Getenv("IDCMD_DATA_DIR"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if wbs, _, err := st.ListWriteBacks(t.Context(), store.WriteBackFilter{}); err != nil || len(wbs) != 0 {
		t.Errorf("write-backs after the replays: %d, %v", len(wbs), err)
	}
	if v, err := st.VerifyAudit(t.Context()); err != nil || v.Checked != 0 {
		t.Errorf("audit records after the replays: %+v, %v", v, err)
	}
}

// TestRulesReplayBadFlags: a mistake in the command line exits 2 with a
// message naming the flag.
func TestRulesReplayBadFlags(t *testing.T) {
	replayStore(t)
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"replay"}, "--since"},
		{[]string{"replay", "--since", "last tuesday"}, "--since"},
		{[]string{"replay", "--since", "-5h"}, "--since"},
		{[]string{"replay", "--since", "2026-11-23T09:00:00Z", "--until", "soon"}, "--until"},
		{[]string{"replay", "--since", "2026-11-23T09:00:00Z", "--until", "2026-11-23T08:00:00Z"}, "--until"},
		{[]string{"replay", "--since", "2026-10-01T00:00:00Z", "--until", "2026-11-23T08:00:00Z"}, "--until"},
		{[]string{"replay", "--since", "24h", "--limit", "0"}, "--limit"},
		{[]string{"replay", "--since", "24h", "--limit", "1001"}, "--limit"},
		{[]string{"replay", "--since", "24h", "--limit", "many"}, "-limit"},
		{[]string{"replay", "--since", "24h", "--dry-run"}, "-dry-run"},
		{[]string{"replay", "--since", "24h", "extra"}, "extra"},
		{[]string{"rewind"}, "rewind"},
		{nil, "rules replay"},
	} {
		_, errOut, code := runRules(t, c.args...)
		if code != 2 || !strings.Contains(errOut, c.flag) {
			t.Errorf("rules %v: exit %d, %q; want 2 naming %s", c.args, code, errOut, c.flag)
		}
	}
}
