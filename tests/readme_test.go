package tests

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
)

// The README's examples are run as a new user runs them: against
// idcmd serve --sandbox (what make run starts), in bash, after pasting the
// export lines the sandbox printed, with the idcmd binary on PATH. Two
// things differ, both visible here: curl is a wrapper that sends the
// README's address (http://127.0.0.1:8080) to the test's sandbox (on a
// free port) and fails on an HTTP error status, and the README's
// make build step is replaced by the binary the tests build.

// readmeAddr is the address the README's examples use (make run's).
const readmeAddr = "http://127.0.0.1:8080"

// sandboxProc is a running idcmd serve --sandbox.
type sandboxProc struct {
	url string
	// announcement is everything the sandbox printed before listening.
	announcement string
	// exports are the announcement's export lines, as a user pastes them.
	exports []string
	env     map[string]string
}

// startSandboxProcess runs the real binary's sandbox with a clean
// environment (no IDCMD_JWT_SECRET, no IDCMD_DATA_DIR: a new user's) and
// waits until it listens.
func startSandboxProcess(t *testing.T) *sandboxProc {
	t.Helper()
	cmd := exec.Command(idcmdBinary(t), "serve", "--sandbox", "--addr", "127.0.0.1:0")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TMPDIR=" + t.TempDir(), "IDCMD_LOG_LEVEL=info"}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd}
	t.Cleanup(func() {
		// SIGTERM, so the sandbox removes its temporary store.
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			p.kill()
		}
	})
	type started struct {
		addr, announcement string
	}
	ready := make(chan started, 1)
	go func() {
		var text strings.Builder
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "idcmd listening" {
				ready <- started{line.Addr, text.String()}
				break
			}
			text.WriteString(sc.Text() + "\n")
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	var s started
	select {
	case s = <-ready:
	case <-time.After(60 * time.Second):
		t.Fatal("the sandbox did not start")
	}
	sb := &sandboxProc{url: "http://" + s.addr, announcement: s.announcement, env: map[string]string{}}
	for _, line := range strings.Split(s.announcement, "\n") {
		if name, value, ok := strings.Cut(strings.TrimPrefix(line, "export "), "="); ok && strings.HasPrefix(line, "export ") {
			sb.exports = append(sb.exports, line)
			sb.env[name] = value
		}
	}
	for _, name := range []string{"IDCMD_TOKEN", "IDCMD_APPROVER_TOKEN", "IDCMD_JWT_SECRET", "IDCMD_DATA_DIR"} {
		if sb.env[name] == "" {
			t.Fatalf("the sandbox does not print export %s=...:\n%s", name, s.announcement)
		}
	}
	return sb
}

// command runs a command on the sandbox with the printed IDCMD_TOKEN.
func (s *sandboxProc) command(t *testing.T, name string, args map[string]any) map[string]any {
	t.Helper()
	body, _ := json.Marshal(args)
	req, _ := http.NewRequest(http.MethodPost, s.url+"/api/v1/commands/"+name, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.env["IDCMD_TOKEN"])
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %v %v", name, body, resp.StatusCode, err, m)
	}
	return m
}

// readmeBlock is one fenced shell example of the README.
type readmeBlock struct {
	line int    // of the opening fence
	text string // the commands
	skip string // why the test does not run it ("" = it runs)
}

// skipMarker, on the line before a fence, exempts a block, with a reason.
var skipMarker = regexp.MustCompile(`^<!-- readme-test: not run: (.+) -->$`)

// readmeShellBlocks returns every ```sh / ```bash / ```shell block.
func readmeShellBlocks(t *testing.T, readme string) []readmeBlock {
	t.Helper()
	var blocks []readmeBlock
	lines := strings.Split(readme, "\n")
	for i := 0; i < len(lines); i++ {
		lang, ok := strings.CutPrefix(lines[i], "```")
		if !ok || lang == "" {
			continue
		}
		start := i
		var body []string
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			body = append(body, lines[i])
		}
		if lang != "sh" && lang != "bash" && lang != "shell" {
			continue
		}
		b := readmeBlock{line: start + 1, text: strings.Join(body, "\n")}
		if start > 0 {
			if m := skipMarker.FindStringSubmatch(lines[start-1]); m != nil {
				b.skip = m[1]
			}
		}
		blocks = append(blocks, b)
	}
	return blocks
}

// curlWrapper is the curl the examples run: the README's address goes to
// the sandbox, each call's status and body are recorded, and an HTTP
// error fails the example (exit 22, as curl --fail does).
const curlWrapper = `#!/usr/bin/env bash
set -uo pipefail
args=()
for a in "$@"; do args+=("${a//http:\/\/127.0.0.1:8080/$README_TEST_URL}"); done
n=$(( $(cat "$README_TEST_LOG/count" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$README_TEST_LOG/count"
printf '%s\n' "${args[@]}" > "$README_TEST_LOG/$n.args"
"$README_TEST_REAL_CURL" -D "$README_TEST_LOG/$n.headers" "${args[@]}" | tee "$README_TEST_LOG/$n.body"
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] || exit "$rc"
status=$(awk 'NR==1{print $2}' "$README_TEST_LOG/$n.headers")
if [ "${status:-0}" -ge 400 ]; then
	echo "readme-test: HTTP $status from curl ${args[*]}" >&2
	exit 22
fi
`

// curlCall is one call the examples made.
type curlCall struct {
	args   []string
	status int
	body   []byte
}

// TestReadmeExamplesRunAgainstTheSandbox runs every shell example of the
// README, and the examples the sandbox itself prints, in one bash session
// (set -euo pipefail) against a started sandbox: each command must exit 0,
// each curl must get a 2xx, and the held command must run when approved.
func TestReadmeExamplesRunAgainstTheSandbox(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the sandbox binary")
	}
	requireTools(t, "the README's examples are bash with curl and jq", "bash", "curl", "jq")
	realCurl, _ := exec.LookPath("curl")
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	sb := startSandboxProcess(t)
	checkStoryTables(t, sb, string(readme))

	var script strings.Builder
	script.WriteString("set -euo pipefail\n")
	// What the user pastes from make run's output, verbatim.
	script.WriteString(strings.Join(sb.exports, "\n") + "\n")
	// make run's "Try" examples first, as a user sees them (with the
	// sandbox's own address).
	_, try, ok := strings.Cut(sb.announcement, "\nTry")
	if _, try, ok = strings.Cut(try, "\n"); !ok || !strings.Contains(try, "curl ") {
		t.Fatalf("the sandbox prints no examples to try:\n%s", sb.announcement)
	}
	fmt.Fprintf(&script, "echo '### the sandbox'\"'\"'s Try examples' >&2\n%s\n", try)
	ran := 0
	for _, b := range readmeShellBlocks(t, string(readme)) {
		if b.skip != "" {
			t.Logf("README.md:%d not run: %s", b.line, b.skip)
			continue
		}
		ran++
		fmt.Fprintf(&script, "echo '### README.md:%d' >&2\n%s\n", b.line, b.text)
	}
	if ran < 4 {
		t.Fatalf("only %d README examples run; the README lost its examples or the parser its way", ran)
	}
	dir := t.TempDir()
	binDir, logDir := filepath.Join(dir, "bin"), filepath.Join(dir, "calls")
	for _, d := range []string{binDir, logDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(binDir, "curl"), []byte(curlWrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	// The README's "make build && export PATH=$PWD/bin:$PATH", with the
	// binary the tests built.
	if err := os.Symlink(idcmdBinary(t), filepath.Join(binDir, "idcmd")); err != nil {
		t.Fatal(err)
	}
	bash := exec.Command("bash", "-c", script.String())
	bash.Dir = ".."
	bash.Env = []string{
		"PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"README_TEST_URL=" + sb.url, "README_TEST_LOG=" + logDir, "README_TEST_REAL_CURL=" + realCurl,
	}
	var stdout, stderr bytes.Buffer
	bash.Stdout, bash.Stderr = &stdout, &stderr
	if err := bash.Run(); err != nil {
		t.Fatalf("a README example failed: %v\n--- stderr (### names the example):\n%s\n--- stdout:\n%s", err, stderr.String(), stdout.String())
	}

	calls := readCalls(t, logDir)
	if len(calls) < 8 {
		t.Errorf("the examples made %d curl calls, want at least 8", len(calls))
	}
	approved := false
	for _, c := range calls {
		url := c.args[len(c.args)-1]
		for _, a := range c.args {
			if strings.HasPrefix(a, sb.url) {
				url = a
			}
		}
		if c.status < 200 || c.status > 299 {
			t.Errorf("curl %s: %d", url, c.status)
		}
		if strings.HasSuffix(url, "/approve") {
			var a struct{ Status string }
			if err := json.Unmarshal(c.body, &a); err != nil || a.Status != "executed" {
				t.Errorf("the approved command did not run: %s", c.body)
			}
			approved = true
		}
	}
	if !approved {
		t.Error("no README example approved a held command")
	}
	// An example's incident must exist: its write-back is delivered.
	for _, c := range calls {
		var r struct{ Writeback *struct{ ID, Target string } }
		if json.Unmarshal(c.body, &r) == nil && r.Writeback != nil {
			sb.waitDelivered(t, r.Writeback.ID, r.Writeback.Target)
		}
	}
	if !strings.Contains(stdout.String(), filepath.Join(sb.env["IDCMD_DATA_DIR"], "idcmd.db")) || !strings.Contains(stdout.String(), `"ok": true`) {
		t.Errorf("idcmd audit verify did not check the sandbox's store:\n%s", stdout.String())
	}
}

func readCalls(t *testing.T, dir string) []curlCall {
	t.Helper()
	var calls []curlCall
	for n := 1; ; n++ {
		args, err := os.ReadFile(filepath.Join(dir, fmt.Sprint(n, ".args")))
		if err != nil {
			break
		}
		c := curlCall{args: strings.Split(strings.TrimSuffix(string(args), "\n"), "\n")}
		headers, _ := os.ReadFile(filepath.Join(dir, fmt.Sprint(n, ".headers")))
		if f := strings.Fields(string(headers)); len(f) > 1 {
			_, _ = fmt.Sscan(f[1], &c.status)
		}
		c.body, _ = os.ReadFile(filepath.Join(dir, fmt.Sprint(n, ".body")))
		calls = append(calls, c)
	}
	return calls
}

// storyRow is one row of a README story table.
type storyRow struct {
	users    []string
	statuses []string
	story    string
}

var backticked = regexp.MustCompile("`([^`]+@example\\.com)`")

// storyTables returns the two story tables of the Set-up section: Okta's
// first, then PingOne's.
func storyTables(t *testing.T, readme string) [][]storyRow {
	t.Helper()
	setup, _, _ := strings.Cut(readme[strings.Index(readme, "## Set-up"):], "## Calling idcmd")
	var tables [][]storyRow
	var cur []storyRow
	for _, line := range strings.Split(setup, "\n") {
		if !strings.HasPrefix(line, "| `") {
			if cur != nil {
				tables, cur = append(tables, cur), nil
			}
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		if len(cells) != 3 {
			t.Fatalf("story table row with %d cells: %s", len(cells), line)
		}
		var r storyRow
		for _, m := range backticked.FindAllStringSubmatch(cells[0], -1) {
			r.users = append(r.users, m[1])
		}
		r.statuses = strings.Split(strings.TrimSpace(cells[1]), ", ")
		r.story = cells[2]
		cur = append(cur, r)
	}
	if len(tables) != 2 {
		t.Fatalf("found %d story tables in the README's Set-up, want Okta's and PingOne's", len(tables))
	}
	return tables
}

// storyClaim is a checkable fact of a README story: the README row of user
// must say every phrase of readme, and the sandbox must hold count events
// (at least one, when count is 0) of type typ for the user whose IP or
// Location contains where and, when at is set, one of them at that US
// Eastern time of day.
type storyClaim struct {
	provider, user string
	readme         []string
	typ, where, at string
	count          int
	actor, target  string
}

// storyClaims are the README story tables' facts, each tied to the words
// that state it.
var storyClaims = []storyClaim{
	{provider: "okta", user: "jdoe@example.com", readme: []string{"03:12", "nine rejected", "Moscow"},
		typ: "user.mfa.factor.attempt_fail", where: "Moscow", at: "03:12", count: 9},
	{provider: "okta", user: "jdoe@example.com", readme: []string{"accepted push", "SSO into AWS and GitHub"},
		typ: "user.authentication.sso", where: "Moscow", count: 2},
	{provider: "okta", user: "kpatel@example.com", readme: []string{"Lagos", "`user.account.lock`"},
		typ: "user.account.lock", where: "Lagos"},
	{provider: "okta", user: "kpatel@example.com", readme: []string{"six failures"},
		typ: "user.session.start", where: "Lagos", count: 7}, // six, then one more after the lock
	{provider: "okta", user: "bwilson@example.com", readme: []string{"New York at 09:05"},
		typ: "user.session.start", where: "New York", at: "09:05"},
	{provider: "okta", user: "bwilson@example.com", readme: []string{"São Paulo at 09:45"},
		typ: "user.session.start", where: "Sao Paulo", at: "09:45"},
	{provider: "okta", user: "bwilson@example.com", readme: []string{"suspended by `awong@example.com`"},
		typ: "user.lifecycle.suspend", actor: "awong@example.com"},
	{provider: "okta", user: "awong@example.com", readme: []string{"02:40 sign-in"},
		typ: "user.session.start", at: "02:40"},
	{provider: "okta", user: "awong@example.com", readme: []string{"added to Super Admins at 02:46"},
		typ: "group.user_membership.add", at: "02:46"},

	{provider: "pingone", user: "jdoe@example.com", readme: []string{"03:12", "Moscow (`95.173.136.72`)"},
		typ: "AUTHENTICATION.CREATED", where: pingonetest.DemoMoscowIP, at: "03:12"},
	{provider: "pingone", user: "jdoe@example.com", readme: []string{"four rejected OTPs"},
		typ: "OTP.CHECK_FAILED", where: pingonetest.DemoMoscowIP, count: 4},
	{provider: "pingone", user: "jdoe@example.com", readme: []string{"one invalid"},
		typ: "OTP.CHECK_INVALID", where: pingonetest.DemoMoscowIP, count: 1},
	{provider: "pingone", user: "jdoe@example.com", readme: []string{"then an accepted one"},
		typ: "OTP.CHECK_SUCCESS", where: pingonetest.DemoMoscowIP, count: 1},
	{provider: "pingone", user: "kpatel@example.com", readme: []string{"Lagos (`105.112.96.14`"},
		typ: "PASSWORD.CHECK_FAILED", where: pingonetest.DemoLagosIP},
	{provider: "pingone", user: "kpatel@example.com", readme: []string{"locked by the SOC"},
		typ: "USER.LOCKED", where: pingonetest.DemoSOARIP},
	{provider: "pingone", user: "mgarcia@example.com", readme: []string{"five wrong passwords", "(`185.220.101.47`)"},
		typ: "PASSWORD.CHECK_FAILED", where: pingonetest.DemoTorExitIP, count: 5},
	{provider: "pingone", user: "rbrown@example.com", readme: []string{"New York office at 09:05"},
		typ: "AUTHENTICATION.CREATED", where: pingonetest.DemoOfficeIP, at: "09:05"},
	{provider: "pingone", user: "rbrown@example.com", readme: []string{"São Paulo 40 minutes later"},
		typ: "AUTHENTICATION.CREATED", where: "177.37.210.9", at: "09:45"},
	{provider: "pingone", user: "rbrown@example.com", readme: []string{"a Tor sign-in"},
		typ: "AUTHENTICATION.CREATED", where: pingonetest.DemoTorExitIP},
	{provider: "pingone", user: "awong@example.com", readme: []string{"02:40 sign-in from an Amsterdam VPS (`45.142.212.61`)"},
		typ: "AUTHENTICATION.CREATED", where: pingonetest.DemoVPSIP, at: "02:40"},
	{provider: "pingone", user: "awong@example.com", readme: []string{"Environment Admin granted to `dlee@example.com`"},
		typ: "ROLE_ASSIGNMENT.CREATED", where: pingonetest.DemoVPSIP, target: "dlee@example.com"},
}

// demoZone is the demo company's zone the README's times are in.
var demoZone = time.FixedZone("EST", -5*60*60)

// checkStoryTables checks the README's story tables against the fresh
// sandbox: every user's Status is what okta-get-user / pingone-get-user
// says, a privileged group or role the row names is held, the HIGH-risk
// PingOne users have HIGH risk evaluations, and every storyClaim holds.
func checkStoryTables(t *testing.T, sb *sandboxProc, readme string) {
	t.Helper()
	tables := storyTables(t, readme)
	rows := map[string]string{} // provider/user → the README row's story
	for i, provider := range []string{"okta", "pingone"} {
		for _, r := range tables[i] {
			extra := r.statuses
			if len(r.users) == len(r.statuses) {
				extra = nil
			} else if len(r.users) != 1 {
				t.Errorf("%s row %v: %d users, %d statuses", provider, r.users, len(r.users), len(r.statuses))
				continue
			}
			for j, user := range r.users {
				rows[provider+"/"+user] = r.story
				want := r.statuses[j]
				out := sb.command(t, provider+"-get-user", map[string]any{"user": user})["outputs"].(map[string]any)
				if out["Status"] != want {
					t.Errorf("README: %s %s is %s; the sandbox says %v", provider, user, want, out["Status"])
				}
			}
			if len(extra) > 1 {
				checkPrivilege(t, sb, provider, r.users[0], extra[1:])
			}
			if provider == "pingone" && strings.Contains(r.story, "HIGH risk") {
				risk := sb.command(t, "pingone-get-risk-events", map[string]any{"user": r.users[0], "min_level": "HIGH"})
				if evs, _ := risk["outputs"].([]any); len(evs) == 0 {
					t.Errorf("README: %s has HIGH risk; the sandbox has no HIGH risk evaluation: %v", r.users[0], risk["outputs"])
				}
			}
		}
	}
	for _, c := range storyClaims {
		story, ok := rows[c.provider+"/"+c.user]
		if !ok {
			t.Errorf("README has no %s story row for %s", c.provider, c.user)
			continue
		}
		for _, phrase := range c.readme {
			if !strings.Contains(story, phrase) {
				t.Errorf("README's %s story of %s no longer says %q (update storyClaims with it): %s", c.provider, c.user, phrase, story)
			}
		}
		checkClaim(t, sb, c)
	}
}

func checkClaim(t *testing.T, sb *sandboxProc, c storyClaim) {
	t.Helper()
	res := sb.command(t, "get-user-events", map[string]any{"provider": c.provider, "user": c.user, "hours": 168, "event_types": []string{c.typ}, "limit": 100})
	events, _ := res["outputs"].([]any)
	var times []string
	n, atOK := 0, c.at == ""
	for _, e := range events {
		ev := e.(map[string]any)
		str := func(k string) string { s, _ := ev[k].(string); return s }
		if str("Type") != c.typ || (c.where != "" && !strings.Contains(str("IP")+" "+str("Location"), c.where)) ||
			(c.actor != "" && str("Actor") != c.actor) || (c.target != "" && str("Target") != c.target) {
			continue
		}
		n++
		at, err := time.Parse(time.RFC3339Nano, str("Time"))
		if err != nil {
			t.Fatalf("event time %q: %v", str("Time"), err)
		}
		local := at.In(demoZone).Format("15:04")
		times = append(times, local)
		if local == c.at {
			atOK = true
		}
	}
	sort.Strings(times)
	switch {
	case c.count == 0 && n == 0, c.count > 0 && n != c.count:
		t.Errorf("README claim %+v: the sandbox has %d such events", c, n)
	case !atOK:
		t.Errorf("README claim %+v: none at %s US Eastern; they are at %v", c, c.at, times)
	}
}

// checkPrivilege checks that user holds the groups (Okta) or roles
// (PingOne) a story row names after its status.
func checkPrivilege(t *testing.T, sb *sandboxProc, provider, user string, names []string) {
	t.Helper()
	var held []string
	if provider == "okta" {
		out := sb.command(t, "okta-get-user-groups", map[string]any{"user": user})["outputs"].(map[string]any)
		groups, _ := out["Group"].([]any)
		for _, g := range groups {
			held = append(held, g.(map[string]any)["Name"].(string))
		}
	} else {
		out := sb.command(t, "pingone-get-user-roles", map[string]any{"user": user})["outputs"].(map[string]any)
		roles, _ := out["Role"].([]any)
		for _, r := range roles {
			held = append(held, r.(map[string]any)["RoleID"].(string))
		}
	}
	for _, name := range names {
		want := name
		if provider == "pingone" {
			id, ok := pingonetest.RoleID(name)
			if !ok {
				t.Errorf("README: %s holds %q, which is no PingOne role", user, name)
				continue
			}
			want = id
		}
		found := false
		for _, h := range held {
			found = found || h == want
		}
		if !found {
			t.Errorf("README: %s %s holds %q; the sandbox says %v", provider, user, name, held)
		}
	}
}

// waitDelivered waits until the write-back is delivered; a failed attempt
// (an incident the sandbox does not have, say) fails the test at once.
func (s *sandboxProc) waitDelivered(t *testing.T, id, target string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, s.url+"/api/v1/writebacks/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+s.env["IDCMD_TOKEN"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var wb struct {
			Status    string `json:"status"`
			LastError string `json:"last_error"`
			Attempts  int    `json:"attempts"`
		}
		err = json.NewDecoder(resp.Body).Decode(&wb)
		resp.Body.Close()
		switch {
		case err != nil:
			t.Fatalf("write-back %s: %v", id, err)
		case wb.Status == "delivered":
			return
		case wb.Status == "failed" || wb.LastError != "":
			t.Errorf("the write-back to %s is %s after %d attempts: %s", target, wb.Status, wb.Attempts, wb.LastError)
			return
		case time.Now().After(deadline):
			t.Errorf("the write-back to %s is still %s", target, wb.Status)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReadmeNamesOnlyFilesACloneHas: every relative link of the README,
// and every path it quotes under one of the repository's folders, exists
// in the repository (make build's bin/ and the default data/ excepted).
func TestReadmeNamesOnlyFilesACloneHas(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, m := range regexp.MustCompile(`\]\(([^)#]+)\)`).FindAllStringSubmatch(string(readme), -1) {
		if !strings.Contains(m[1], "://") {
			paths = append(paths, m[1])
		}
	}
	for _, m := range regexp.MustCompile("`([a-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+/?)`").FindAllStringSubmatch(string(readme), -1) {
		top, _, _ := strings.Cut(m[1], "/")
		if top == "bin" || top == "data" || top == "." {
			continue
		}
		if fi, err := os.Stat(filepath.Join("..", top)); err == nil && fi.IsDir() {
			paths = append(paths, m[1])
		}
	}
	if len(paths) < 5 {
		t.Fatalf("found only %v", paths)
	}
	for _, p := range paths {
		if _, err := os.Stat(filepath.Join("..", p)); err != nil {
			t.Errorf("README names %s, which the repository does not have", p)
		}
	}
}
