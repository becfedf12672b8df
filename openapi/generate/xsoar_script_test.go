package generate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/idcmd/idcmd/catalog"
)

// xsoarCall is one run of the generated script under the stand-ins in
// testdata/xsoar, which play XSOAR's demisto object and CommonServerPython.
type xsoarCall struct {
	Params      map[string]any `json:"params"`
	Command     string         `json:"command"`
	Args        map[string]any `json:"args,omitempty"`
	Incident    map[string]any `json:"incident,omitempty"`
	Inv         map[string]any `json:"investigation,omitempty"`
	ParentEntry map[string]any `json:"parent_entry,omitempty"`
}

// seen is what the fake idcmd received.
type seen struct {
	Method, Path, Auth, IdempotencyKey, ContentType, Origin string
	Body                                                    map[string]any
}

// xsoarRun is what one run of the script handed to XSOAR.
type xsoarRun struct {
	// entries are the war-room entries, in order: every demisto.results
	// call's entry, the items of a list one by one.
	entries []any
	// requests are the settings of each _http_request call.
	requests []map[string]any
}

// runXsoarScript runs the integration's script once against a fake idcmd
// that answers with status and body.
func runXsoarScript(t *testing.T, call xsoarCall, status int, answer string) (xsoarRun, []seen) {
	t.Helper()
	return runScript(t, parseXsoar(t, xsoarYAML(t)).Script.Script, call, status, answer)
}

// runScript runs script (the integration's, possibly altered) as XSOAR
// would, and returns what it reported and what the fake idcmd saw.
func runScript(t *testing.T, script string, call xsoarCall, status int, answer string) (xsoarRun, []seen) {
	t.Helper()
	py := python(t)
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := seen{Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization"),
			IdempotencyKey: r.Header.Get("Idempotency-Key"), ContentType: r.Header.Get("Content-Type"),
			Origin: r.Header.Get("X-Idcmd-Origin")}
		if b, _ := io.ReadAll(r.Body); len(b) > 0 {
			if err := json.Unmarshal(b, &s.Body); err != nil {
				t.Errorf("body is not JSON: %s", b)
			}
		}
		mu.Lock()
		got = append(got, s)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	defer srv.Close()

	call.Params = map[string]any{"url": srv.URL + "/", "credentials": map[string]any{"identifier": "", "password": "tok"}, "insecure": false, "proxy": false}
	env, err := json.Marshal(call)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "idcmd.py")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	stubs, err := filepath.Abs("testdata/xsoar")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, path)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+stubs, "IDCMD_XSOAR_CALL="+string(env), "PYTHONDONTWRITEBYTECODE=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		// return_error exits 0, as in XSOAR: anything else is a crash.
		t.Fatalf("script failed: %v\n%s", err, stderr.String())
	}
	var run xsoarRun
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r struct {
			Kind  string `json:"kind"`
			Value any    `json:"value"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("script printed %q", sc.Text())
		}
		switch r.Kind {
		case "results":
			if list, ok := r.Value.([]any); ok {
				run.entries = append(run.entries, list...)
			} else {
				run.entries = append(run.entries, r.Value)
			}
		case "request":
			run.requests = append(run.requests, r.Value.(map[string]any))
		}
	}
	return run, got
}

// note is the entry CommandResults.to_context() makes of outputs under a
// prefix keyed by key, with a Markdown readable output and raw contents.
func note(prefix, key string, outputs any, readable string, raw any) map[string]any {
	context := map[string]any{}
	if outputs != nil {
		context[prefix+"(val."+key+" && val."+key+" == obj."+key+")"] = outputs
	}
	format := "json"
	if _, isText := raw.(string); isText {
		format = "text"
	}
	return map[string]any{"Type": float64(1), "ContentsFormat": format, "Contents": raw, "HumanReadable": readable,
		"EntryContext": context, "IndicatorTimeline": []any{}, "IgnoreAutoExtract": false, "Note": false, "Relationships": []any{}}
}

func TestXsoarScriptSendsTypedArgumentsAndIncident(t *testing.T) {
	run, got := runXsoarScript(t, xsoarCall{
		Command: "okta-get-user-events",
		// using is an XSOAR argument, not idcmd's; limit is empty.
		Args:        map[string]any{"user": "jdoe@example.com", "hours": "48", "event_types": "user.session.start, user.account.lock", "limit": "", "using": "idcmd_instance_1"},
		Incident:    map[string]any{"id": "1234"},
		Inv:         map[string]any{"id": "1234"},
		ParentEntry: map[string]any{"id": "7@1234"},
	}, http.StatusOK, `{"command":"okta-get-user-events","outputs_prefix":"Okta.Logs.Events","outputs_key_field":"uuid",
		"outputs":[{"uuid":"e1"}],"readable_output":"### events","raw_response":[{"uuid":"e1","n":1}],"next_cursor":"c2"}`)

	if len(got) != 1 {
		t.Fatalf("server saw %d requests, want 1", len(got))
	}
	req := got[0]
	if req.Method != http.MethodPost || req.Path != "/api/v1/commands/okta-get-user-events" || req.Auth != "Bearer tok" || req.ContentType != "application/json" {
		t.Errorf("request = %s %s, Authorization %q, Content-Type %q", req.Method, req.Path, req.Auth, req.ContentType)
	}
	// The contract with idcmd: this call is audited with its incident and
	// written back nowhere, its war-room entry being the result.
	if req.Origin != "xsoar-integration" {
		t.Errorf("X-Idcmd-Origin = %q, want xsoar-integration", req.Origin)
	}
	wantBody := map[string]any{
		"user": "jdoe@example.com", "hours": float64(48), "event_types": []any{"user.session.start", "user.account.lock"},
		"incident": map[string]any{"platform": "xsoar", "id": "1234", "investigation_id": "1234"},
	}
	if diff := cmp.Diff(wantBody, req.Body); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(req.IdempotencyKey, "xsoar-") || len(req.IdempotencyKey) > 255 {
		t.Errorf("Idempotency-Key = %q", req.IdempotencyKey)
	}
	if len(run.requests) != 1 || run.requests[0]["retries"] != float64(2) || run.requests[0]["timeout"] != float64(40) {
		t.Errorf("request settings = %v, want 2 retries (there is a key) and the 40 s default timeout", run.requests)
	}

	want := []any{
		note("Okta.Logs.Events", "uuid", []any{map[string]any{"uuid": "e1"}}, "### events", []any{map[string]any{"uuid": "e1", "n": float64(1)}}),
		note("IDCMD.NextCursor", "command", map[string]any{"command": "okta-get-user-events", "cursor": "c2"},
			"More results: run `!okta-get-user-events user=\"jdoe@example.com\" hours=\"48\" event_types=\"user.session.start, user.account.lock\" cursor=\"c2\"` for the next page.",
			map[string]any{"command": "okta-get-user-events", "cursor": "c2"}),
	}
	if diff := cmp.Diff(want, run.entries); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}

// TestXsoarScriptSaysNoMoreResultsOnlyWithoutCursor: the end of the results
// is a page without next_cursor, however many items it has; a short page
// with a cursor is not the end.
func TestXsoarScriptSaysNoMoreResultsOnlyWithoutCursor(t *testing.T) {
	for _, tc := range []struct {
		name, answer, cursor, readable string
	}{
		{"short page with a cursor", `{"outputs_prefix":"Okta.User","outputs_key_field":"ID","outputs":[{"ID":"u1"}],"readable_output":"1 user","next_cursor":"n2"}`,
			"n2", "More results: run `!okta-search-users limit=\"200\" cursor=\"n2\"` for the next page."},
		{"full page without a cursor", `{"outputs_prefix":"Okta.User","outputs_key_field":"ID","outputs":[{"ID":"u1"},{"ID":"u2"}],"readable_output":"2 users"}`,
			"", "No more results."},
		{"empty page", `{"outputs_prefix":"Okta.User","outputs_key_field":"ID","outputs":[],"readable_output":"no users","next_cursor":""}`,
			"", "No more results."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run, _ := runXsoarScript(t, xsoarCall{Command: "okta-search-users", Args: map[string]any{"limit": "200"}}, http.StatusOK, tc.answer)
			if len(run.entries) != 2 {
				t.Fatalf("entries = %v, want the page and the cursor", run.entries)
			}
			next := map[string]any{"command": "okta-search-users", "cursor": tc.cursor}
			if diff := cmp.Diff(note("IDCMD.NextCursor", "command", next, tc.readable, next), run.entries[1]); diff != "" {
				t.Errorf("cursor entry (-want +got):\n%s", diff)
			}
		})
	}
	// A command without a cursor argument has no pages to talk about.
	run, _ := runXsoarScript(t, xsoarCall{Command: "okta-get-user", Args: map[string]any{"user": "jdoe@example.com"}}, http.StatusOK,
		`{"outputs_prefix":"Okta.User","outputs_key_field":"ID","outputs":{"ID":"u1"},"readable_output":"user"}`)
	if len(run.entries) != 1 {
		t.Errorf("okta-get-user entries = %v, want the user alone", run.entries)
	}
}

func TestXsoarScriptReportsHeldApproval(t *testing.T) {
	// Outside an incident and an entry: no incident field, no Idempotency-Key.
	run, got := runXsoarScript(t, xsoarCall{
		Command: "okta-clear-sessions",
		Args:    map[string]any{"user": "jdoe@example.com", "oauth_tokens": "true"},
	}, http.StatusAccepted, `{"command":"okta-clear-sessions","outputs_prefix":"IDCMD.Approval","outputs_key_field":"id",
		"outputs":{"id":"apr_1","status":"pending"},"approval":{"id":"apr_1","status":"pending"},
		"readable_output":"### Approval required","raw_response":{"id":"apr_1"}}`)

	if len(got) != 1 {
		t.Fatalf("server saw %d requests, want 1", len(got))
	}
	if diff := cmp.Diff(map[string]any{"user": "jdoe@example.com", "oauth_tokens": true}, got[0].Body); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if got[0].IdempotencyKey != "" || got[0].Origin != "xsoar-integration" {
		t.Errorf("Idempotency-Key = %q outside an entry, X-Idcmd-Origin = %q", got[0].IdempotencyKey, got[0].Origin)
	}
	want := []any{note("IDCMD.Approval", "id", map[string]any{"id": "apr_1", "status": "pending"}, "### Approval required", map[string]any{"id": "apr_1"})}
	if diff := cmp.Diff(want, run.entries); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}

func TestXsoarScriptTurnsProblemIntoError(t *testing.T) {
	run, _ := runXsoarScript(t, xsoarCall{Command: "okta-suspend-user", Args: map[string]any{"user": "kpatel@example.com"}},
		http.StatusConflict, `{"type":"https://idcmd.dev/problems/provider","title":"Conflict with the user's state","status":409,
		"detail":"Okta refused: the user is not ACTIVE","errors":[{"location":"body.user","message":"is LOCKED_OUT"}],
		"provider":"okta","provider_status":403,"provider_code":"E0000038","request_id":"req-9"}`)

	// return_error's entry: an error (Type 4) in text, and then the script
	// ends (sys.exit), so nothing follows it.
	if len(run.entries) != 1 {
		t.Fatalf("entries = %v, want one error entry", run.entries)
	}
	entry, _ := run.entries[0].(map[string]any)
	if entry["Type"] != float64(4) || entry["ContentsFormat"] != "text" || entry["EntryContext"] != nil {
		t.Fatalf("entry = %v, want Type 4 (error), ContentsFormat text, no EntryContext", entry)
	}
	msg, _ := entry["Contents"].(string)
	for _, part := range []string{"Failed to execute okta-suspend-user.", "Conflict with the user's state (HTTP 409)", "the user is not ACTIVE",
		"body.user: is LOCKED_OUT", "okta answered HTTP 403, code E0000038", "req-9"} {
		if !strings.Contains(msg, part) {
			t.Errorf("error %q lacks %q", msg, part)
		}
	}
}

func TestXsoarScriptTestModule(t *testing.T) {
	var list struct {
		Commands []map[string]string `json:"commands"`
	}
	for _, cmd := range catalog.Default.All() {
		list.Commands = append(list.Commands, map[string]string{"name": cmd.Info().Name})
	}
	body, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	run, got := runXsoarScript(t, xsoarCall{Command: "test-module"}, http.StatusOK, string(body))
	if len(got) != 1 || got[0].Method != http.MethodGet || got[0].Path != "/api/v1/commands" || got[0].Auth != "Bearer tok" || got[0].Origin != "xsoar-integration" {
		t.Errorf("server saw %+v, want one GET /api/v1/commands with the token and the origin", got)
	}
	if diff := cmp.Diff([]any{"ok"}, run.entries); diff != "" {
		t.Errorf("test-module (-want +got):\n%s", diff)
	}
}

// TestXsoarPrefix: with --prefix every command is named with it, the
// script calls idcmd's command of the name without it, and the names it
// shows (next page, context) are the integration's.
func TestXsoarPrefix(t *testing.T) {
	doc := parseXsoar(t, xsoarYAMLWith(t, XSOAROptions{Version: "1.2.3-test", Prefix: "idcmd-"}))
	cmds := catalog.Default.All()
	if len(doc.Script.Commands) != len(cmds) {
		t.Fatalf("%d commands, want %d", len(doc.Script.Commands), len(cmds))
	}
	for i, c := range doc.Script.Commands {
		if want := "idcmd-" + cmds[i].Info().Name; c.Name != want {
			t.Errorf("command %d is %q, want %q", i, c.Name, want)
		}
	}
	script := doc.Script.Script

	run, got := runScript(t, script, xsoarCall{Command: "idcmd-okta-get-logs", Args: map[string]any{"limit": "5"},
		Incident: map[string]any{"id": "77", "investigationId": "77"}}, http.StatusOK,
		`{"outputs_prefix":"Okta.Logs.Events","outputs_key_field":"uuid","outputs":[{"uuid":"e1"}],"readable_output":"1 event","next_cursor":"c9"}`)
	if len(got) != 1 || got[0].Path != "/api/v1/commands/okta-get-logs" {
		t.Fatalf("server saw %+v, want POST /api/v1/commands/okta-get-logs", got)
	}
	if inc := got[0].Body["incident"]; !cmp.Equal(inc, map[string]any{"platform": "xsoar", "id": "77", "investigation_id": "77"}) {
		t.Errorf("incident = %v", inc)
	}
	next := map[string]any{"command": "idcmd-okta-get-logs", "cursor": "c9"}
	want := note("IDCMD.NextCursor", "command", next, "More results: run `!idcmd-okta-get-logs limit=\"5\" cursor=\"c9\"` for the next page.", next)
	if len(run.entries) != 2 || !cmp.Equal(want, run.entries[1]) {
		t.Errorf("entries = %v, want the page and %v", run.entries, want)
	}

	// idcmd's own name is not a command of the prefixed integration.
	run, got = runScript(t, script, xsoarCall{Command: "okta-get-logs"}, http.StatusOK, `{}`)
	if len(got) != 0 || len(run.entries) != 1 || !strings.Contains(run.entries[0].(map[string]any)["Contents"].(string), "idcmd has no command okta-get-logs") {
		t.Errorf("unprefixed name: server saw %v, entries %v", got, run.entries)
	}

	for _, bad := range []string{"idcmd", "IDCMD-", "-idcmd-", "id cmd-", "idcmd--", "1dcmd-", "idcmd_"} {
		if _, err := XSOARIntegration(catalog.Default, XSOAROptions{Version: "1", Prefix: bad}); !errors.Is(err, ErrBadPrefix) {
			t.Errorf("prefix %q: err = %v, want ErrBadPrefix", bad, err)
		}
	}
	for _, good := range []string{"idcmd-", "soc2-idcmd-", "x-"} {
		if _, err := XSOARIntegration(catalog.Default, XSOAROptions{Version: "1", Prefix: good}); err != nil {
			t.Errorf("prefix %q: %v", good, err)
		}
	}
}

// TestXsoarStandInCatchesMistakes proves the stand-in as strict as XSOAR's
// library where the script could go wrong: the script with a misnamed
// CommandResults or _http_request argument ends in an error entry, not in
// results that the other tests would take for good ones.
func TestXsoarStandInCatchesMistakes(t *testing.T) {
	script := parseXsoar(t, xsoarYAML(t)).Script.Script
	answer := `{"outputs_prefix":"Okta.User","outputs_key_field":"ID","outputs":{"ID":"u1"},"readable_output":"user"}`
	for _, m := range []struct{ from, to, complaint string }{
		{"readable_output=answer.get('readable_output')", "readable=answer.get('readable_output')", "readable"},
		{"json_data=body", "json=body", "json"},
	} {
		if !strings.Contains(script, m.from) {
			t.Fatalf("the script has no %q to alter", m.from)
		}
		run, _ := runScript(t, strings.ReplaceAll(script, m.from, m.to), xsoarCall{Command: "okta-get-user", Args: map[string]any{"user": "jdoe@example.com"}}, http.StatusOK, answer)
		entry, _ := run.entries[len(run.entries)-1].(map[string]any)
		if len(run.entries) != 1 || entry["Type"] != float64(4) || !strings.Contains(entry["Contents"].(string), m.complaint) {
			t.Errorf("with %s: entries = %v, want one error entry naming %q", m.to, run.entries, m.complaint)
		}
	}
}

// TestXsoarStandInMatchesCommonServerPython pins the stand-in's semantics
// that the script tests rely on to those of XSOAR's CommonServerPython
// (copied from demisto/content), with the real library's own examples.
func TestXsoarStandInMatchesCommonServerPython(t *testing.T) {
	py := python(t)
	stubs, err := filepath.Abs("testdata/xsoar")
	if err != nil {
		t.Fatal(err)
	}
	const check = `
import json
from CommonServerPython import *

def fails(f, exc):
    try:
        f()
    except exc as e:
        return str(e)
    raise AssertionError('no ' + exc.__name__)

out = {
    'keyed': CommandResults(outputs_prefix='Okta.User', outputs_key_field=['ID', 'Username'],
                            outputs={'ID': 'u1', 'Username': 'a'}, readable_output='# u').to_context(),
    'table': CommandResults(outputs_prefix='A.B', outputs=[{'x': 1}]).to_context()['HumanReadable'],
    'text': CommandResults(readable_output='hi', raw_response='plain').to_context()['ContentsFormat'],
    'replace': CommandResults(outputs_prefix='A.Next', outputs='t', replace_existing=True).to_context()['EntryContext'],
    'no_prefix': fails(lambda: CommandResults(outputs=[1]), ValueError),
    'bad_key': fails(lambda: CommandResults(outputs_prefix='A', outputs_key_field=1, outputs={}), TypeError),
    'bad_arg': fails(lambda: CommandResults(outputs_prefix='A', outputs={}, readable='x'), TypeError),
    'numbers': [arg_to_number('7'), arg_to_number('7.9'), arg_to_number(''), arg_to_number(3)],
    'lists': [argToList('a, b'), argToList('["a","b"]'), argToList(''), argToList(['x'])],
    'booleans': [argToBoolean('yes'), argToBoolean('False'), argToBoolean(True)],
}
print(json.dumps(out, sort_keys=True))
return_results([CommandResults(outputs_prefix='A', outputs_key_field='k', outputs={'k': 1}, readable_output='r'), 'text entry'])
return_error('boom')
print('not reached')
`
	cmd := exec.Command(py, "-c", check)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+stubs, `IDCMD_XSOAR_CALL={"command":"okta-get-user"}`, "PYTHONDONTWRITEBYTECODE=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 4 {
		t.Fatalf("output:\n%s\nwant the checks, two results calls and no line after return_error", out)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"keyed": map[string]any{"Type": float64(1), "ContentsFormat": "json", "Contents": map[string]any{"ID": "u1", "Username": "a"},
			"HumanReadable": "# u", "IndicatorTimeline": []any{}, "IgnoreAutoExtract": false, "Note": false, "Relationships": []any{},
			"EntryContext": map[string]any{"Okta.User(val.ID && val.ID == obj.ID && val.Username && val.Username == obj.Username)": map[string]any{"ID": "u1", "Username": "a"}}},
		"table":     "### Results\n|x|\n|---|\n|1|\n",
		"text":      "text",
		"replace":   map[string]any{"A(true)": map[string]any{"Next": "t"}},
		"no_prefix": "outputs_prefix is missing",
		"bad_key":   "outputs_key_field must be of type str or list",
		"bad_arg":   "CommandResults.__init__() got an unexpected keyword argument 'readable'",
		"numbers":   []any{float64(7), float64(7), nil, float64(3)},
		"lists":     []any{[]any{"a", "b"}, []any{"a", "b"}, []any{}, []any{"x"}},
		"booleans":  []any{true, false, true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CommonServerPython semantics (-want +got):\n%s", diff)
	}
	// return_results of a list: each CommandResults is its own entry, the
	// plain entries go together; return_error: an error entry, then exit 0.
	wantLines := []string{
		`{"kind": "results", "value": {"Contents": {"k": 1}, "ContentsFormat": "json", "EntryContext": {"A(val.k && val.k == obj.k)": {"k": 1}}, "HumanReadable": "r", "IgnoreAutoExtract": false, "IndicatorTimeline": [], "Note": false, "Relationships": [], "Type": 1}}`,
		`{"kind": "results", "value": ["text entry"]}`,
		`{"kind": "results", "value": {"Contents": "boom", "ContentsFormat": "text", "EntryContext": null, "Type": 4}}`,
	}
	if diff := cmp.Diff(wantLines, lines[1:]); diff != "" {
		t.Errorf("return_results / return_error (-want +got):\n%s", diff)
	}
}
