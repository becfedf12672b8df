package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/store"
)

// auditStore makes a SQLite store in a fresh IDCMD_DATA_DIR with records
// recorded the given ages ago, oldest first, closes it (the CLI opens its
// own) and returns the directory.
func auditStore(t *testing.T, ages ...time.Duration) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("IDCMD_DATA_DIR", dir)
	t.Setenv("IDCMD_STORE_URL", "")
	st, err := store.Open(t.Context(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, age := range ages {
		r := store.AuditRecord{Time: now.Add(-age), Command: "okta-suspend-user", Outcome: "success", Subject: "soar",
			Args: json.RawMessage(`{"user": "<jdoe>&co"}`), RequestID: "req-" + string(rune('a'+i))}
		if _, err := st.AppendAudit(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runAudit runs idcmd audit args as main does, returning stdout, stderr and
// the exit code.
func runAudit(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"audit"}, args...), &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

const day = 24 * time.Hour

// TestAuditExport: idcmd audit export writes JSON lines, one record per
// line, that re-hash (the args keep their exact bytes); --out writes a file
// durably and prints what it holds; --through-seq and --before bound it.
func TestAuditExport(t *testing.T) {
	auditStore(t, 100*day, 99*day, time.Hour)
	out, errOut, code := runAudit(t, "export")
	if code != 0 {
		t.Fatalf("audit export: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], `"args":{"user": "<jdoe>&co"}`) {
		t.Fatalf("audit export printed %d lines, want 3 with the args as stored:\n%s", len(lines), out)
	}
	path := filepath.Join(t.TempDir(), "all.jsonl")
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	if hv, err := store.VerifyAuditExports([]string{path}, nil); err != nil || !hv.OK || hv.Records != 3 {
		t.Fatalf("the printed export does not verify: %+v, %v", hv, err)
	}

	file := filepath.Join(t.TempDir(), "two.jsonl")
	out, errOut, code = runAudit(t, "export", "--through-seq", "2", "--out", file)
	var rep exportReport
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Records != 2 || rep.Last.Seq != 2 || rep.Path != file || rep.SHA256 == "" {
		t.Fatalf("audit export --through-seq 2 --out: exit %d, %s %s", code, out, errOut)
	}
	if f, err := store.ReadExportFile(file, nil); err != nil || f.SHA256 != rep.SHA256 {
		t.Errorf("the file is not what was reported: %+v, %v", f, err)
	}
	out, _, code = runAudit(t, "export", "--before", "2160h")
	if code != 0 || strings.Count(out, "\n") != 2 {
		t.Errorf("audit export --before 2160h: exit %d, want the 2 records older than 90 days:\n%s", code, out)
	}

	for name, args := range map[string][]string{
		"an existing file":   {"export", "--out", file},
		"both bounds":        {"export", "--before", "1h", "--through-seq", "1"},
		"beyond the head":    {"export", "--through-seq", "9"},
		"not a time":         {"export", "--before", "last tuesday"},
		"a stray argument":   {"export", "extra"},
		"unknown subcommand": {"rotate"},
	} {
		if _, errOut, code := runAudit(t, args...); code == 0 || errOut == "" {
			t.Errorf("%s: audit %v exit %d, want an error", name, args, code)
		}
	}
}

// TestAuditPruneAndVerifyHistory: idcmd audit prune exports, then deletes,
// the records older than --before; verify checks the kept chain from the
// anchor, and with --export the whole history from genesis; a missing or
// altered export file fails it.
func TestAuditPruneAndVerifyHistory(t *testing.T) {
	dataDir := auditStore(t, 100*day, 99*day, 98*day, time.Hour, time.Minute)
	exportDir := filepath.Join(t.TempDir(), "exports")
	out, errOut, code := runAudit(t, "prune", "--before", "2160h", "--export-dir", exportDir)
	var rep pruneReport
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Pruned != 3 || rep.Anchor.Seq != 3 || len(rep.Files) != 1 {
		t.Fatalf("audit prune: exit %d, %s %s", code, out, errOut)
	}
	file := filepath.Join(exportDir, store.ExportFileName(1, 3))
	if rep.Files[0].Path != file || rep.Store != filepath.Join(dataDir, sqliteFile) {
		t.Errorf("audit prune reported %+v", rep)
	}

	var v verifyReport
	out, errOut, code = runAudit(t, "verify")
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || !v.OK || v.Checked != 2 || v.AnchorSeq != 3 || v.AnchorHash != rep.Anchor.Hash {
		t.Fatalf("audit verify after the prune: exit %d, %s %s", code, out, errOut)
	}
	for _, args := range [][]string{{"verify", "--export", exportDir}, {"verify", "--export", file}} {
		v = verifyReport{}
		out, errOut, code = runAudit(t, args...)
		if code != 0 || json.Unmarshal([]byte(out), &v) != nil || !v.OK || v.Exports == nil || !v.Exports.OK || v.Exports.Records != 3 {
			t.Errorf("audit %v: exit %d, %s %s", args, code, out, errOut)
		}
	}

	// Pruned records in no export file given: the history does not verify.
	other := filepath.Join(t.TempDir(), "first.jsonl")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := bufio.NewReader(bytes.NewReader(b)).ReadLine()
	if err := os.WriteFile(other, append(first, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	v = verifyReport{}
	out, errOut, code = runAudit(t, "verify", "--export", other)
	if code != 1 || json.Unmarshal([]byte(out), &v) != nil || v.OK || !strings.Contains(v.Reason, "records 2 to 3 were pruned") || !strings.Contains(errOut, "does not verify") {
		t.Errorf("audit verify with an export that stops short: exit %d, %s %s", code, out, errOut)
	}
	// An altered line.
	if err := os.WriteFile(file, bytes.Replace(b, []byte(`"subject":"soar"`), []byte(`"subject":"nobody"`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runAudit(t, "verify", "--export", exportDir)
	if code != 1 || !strings.Contains(out, "line 1: record 1 does not match its hash") {
		t.Errorf("audit verify with an altered export: exit %d, %s %s", code, out, errOut)
	}

	// Nothing more to prune: no new file.
	out, _, code = runAudit(t, "prune", "--before", "2160h", "--export-dir", exportDir)
	if code != 0 || !strings.Contains(out, `"pruned": 0`) {
		t.Errorf("a second prune: exit %d, %s", code, out)
	}
}

// TestAuditPruneNeedsACutoffAndAnExportDir: prune never runs without both.
func TestAuditPruneNeedsACutoffAndAnExportDir(t *testing.T) {
	auditStore(t, 100*day)
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no cutoff":           {[]string{"prune", "--export-dir", t.TempDir()}, "--before is required"},
		"no export dir":       {[]string{"prune", "--before", "2160h"}, "--export-dir is required"},
		"a negative age":      {[]string{"prune", "--before", "-1h", "--export-dir", t.TempDir()}, "an age such as 2160h"},
		"an unwritable dir":   {[]string{"prune", "--before", "1h", "--export-dir", "/dev/null/exports"}, "export directory"},
		"verify, stray files": {[]string{"verify", "audit-1.jsonl"}, "go after --export"},
		"verify, no file":     {[]string{"verify", "--export", filepath.Join(t.TempDir(), "none.jsonl")}, "--export"},
	} {
		if _, errOut, code := runAudit(t, tc.args...); code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, %q; want an error with %q", name, code, errOut, tc.want)
		}
	}
	if out, _, code := runAudit(t, "verify"); code != 0 || !strings.Contains(out, `"checked": 1`) {
		t.Errorf("the refused prunes deleted something: %s", out)
	}
}
