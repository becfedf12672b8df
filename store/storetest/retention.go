package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idcmd/idcmd/store"
)

// retentionTests are the rules of write-back retention and audit pruning.
var retentionTests = []struct {
	name string
	fn   func(*testing.T, store.Store)
}{
	{"WriteBackPurgeOnlyFinishedPastRetention", testWriteBackPurge},
	{"WriteBackPurgeInChunks", testWriteBackPurgeChunks},
	{"AuditPruneMovesAnchor", testAuditPruneMovesAnchor},
	{"AuditPruneRefusesWhatWasNotExported", testAuditPruneRefuses},
	{"AuditPruneEverything", testAuditPruneEverything},
	{"AuditPruneKeepsTriggers", testAuditPruneKeepsTriggers},
	{"AuditPruneLeavesReferencesWorking", testAuditPruneLeavesReferences},
	{"AuditExportRoundTripsExactBytes", testAuditExportRoundTrips},
	{"AuditExportAndPrune", testAuditExportAndPrune},
	{"AuditExportAndPruneIsAPrefix", testAuditExportAndPrunePrefix},
	{"AuditExportAndPruneAfterFailure", testAuditExportAndPruneAfterFailure},
	{"AuditVerifyAfterPruneDetectsTampering", testAuditVerifyAfterPruneDetectsTampering},
	{"AuditHistoryDetectsTampering", testAuditHistoryDetectsTampering},
	{"AuditPruneDuringAppends", testAuditPruneDuringAppends},
}

// timedRecord is record(i) recorded at t.
func timedRecord(i int, t time.Time) store.AuditRecord {
	r := record(i)
	r.Time = t
	return r
}

func appendTimed(t *testing.T, s store.Store, times ...time.Time) []store.AuditRecord {
	t.Helper()
	var out []store.AuditRecord
	for i, at := range times {
		r, err := s.AppendAudit(ctx(t), timedRecord(i, at))
		if err != nil {
			t.Fatalf("AppendAudit %d: %v", i, err)
		}
		out = append(out, r)
	}
	return out
}

func anchorOf(r store.AuditRecord) store.AuditAnchor {
	return store.AuditAnchor{Seq: r.Seq, Hash: r.Hash}
}

func wantAnchor(t *testing.T, s store.Store, want store.AuditAnchor) {
	t.Helper()
	got, err := s.AuditAnchor(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("AuditAnchor = %+v, want %+v", got, want)
	}
}

// wantVerified: the kept chain verifies from anchor with checked records.
func wantVerified(t *testing.T, s store.Store, anchor store.AuditAnchor, checked int64, head string) {
	t.Helper()
	v := verify(t, s)
	if !v.OK || v.Checked != checked || v.AnchorSeq != anchor.Seq || v.AnchorHash != anchor.Hash || v.Head != head {
		t.Fatalf("VerifyAudit = %+v, want OK, %d checked, anchor %+v, head %s", v, checked, anchor, head)
	}
}

func prune(t *testing.T, s store.Store, from, to store.AuditAnchor) {
	t.Helper()
	n, err := s.PruneAudit(ctx(t), from, to)
	if err != nil || n != to.Seq-from.Seq {
		t.Fatalf("PruneAudit(%+v, %+v) = %d, %v; want %d", from, to, n, err, to.Seq-from.Seq)
	}
}

// finishedWriteBack queues a write-back, claims it and records outcome at
// at; it returns the finished write-back.
func finishedWriteBack(t *testing.T, s store.Store, incident string, o store.WriteBackOutcome, at time.Time) store.WriteBack {
	t.Helper()
	wb := enqueue(t, s, *newWriteBack(incident))
	got := claim(t, s, "w-"+incident, 500, time.Minute, time.Now().Add(time.Second))
	if len(got) != 1 || got[0].ID != wb.ID {
		t.Fatalf("claimed %v, want %s", wbIDs(got), wb.ID)
	}
	return finish(t, s, wb.ID, "w-"+incident, o, at)
}

// The purge runs at a time in the future (the outcomes are recorded at
// times in the future too), so that the queued and delivering write-backs,
// due or leased until about now, are older than the cutoff: only their
// status keeps them.
func testWriteBackPurge(t *testing.T, s store.Store) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	cutoff := now.Add(30 * 24 * time.Hour) // a purge at now+60d with a 30-day retention
	old := now.Add(24 * time.Hour)
	recent := cutoff.Add(time.Hour)

	gone := []store.WriteBack{
		finishedWriteBack(t, s, "delivered-old", store.WriteBackOutcome{Delivered: true, RemoteID: "1@1"}, old),
		finishedWriteBack(t, s, "failed-old", store.WriteBackOutcome{Err: "HTTP 412", Permanent: true}, old),
	}
	kept := []store.WriteBack{
		finishedWriteBack(t, s, "delivered-recent", store.WriteBackOutcome{Delivered: true}, recent),
		finishedWriteBack(t, s, "failed-recent", store.WriteBackOutcome{Err: "HTTP 412", Permanent: true}, recent),
		// Exactly at the cutoff is not older than the retention.
		finishedWriteBack(t, s, "delivered-at-cutoff", store.WriteBackOutcome{Delivered: true}, cutoff),
		// Queued for a retry due before the cutoff: not finished, kept.
		finishedWriteBack(t, s, "queued-old", store.WriteBackOutcome{Err: "HTTP 503", RetryAt: old}, old),
	}
	// Delivering under a lease that ends before the cutoff (a replica that
	// dies mid-delivery leaves one): the entry must still be delivered.
	delivering := enqueue(t, s, *newWriteBack("delivering"))
	if got := claim(t, s, "dying", 500, time.Minute, time.Now().Add(time.Second)); len(got) != 1 || got[0].ID != delivering.ID {
		t.Fatalf("claimed %v, want %s", wbIDs(got), delivering.ID)
	}
	kept = append(kept, getWriteBack(t, s, delivering.ID), enqueue(t, s, *newWriteBack("queued-new")))
	for _, wb := range kept {
		if !wb.NextAttemptAt.Before(cutoff) && wb.Status != store.WriteBackDelivered && wb.Status != store.WriteBackFailed {
			t.Fatalf("%s is due %v, after the cutoff: the test does not test its status", wb.IncidentID, wb.NextAttemptAt)
		}
	}

	n, err := s.PurgeWriteBacks(ctx(t), cutoff)
	if err != nil || n != int64(len(gone)) {
		t.Fatalf("PurgeWriteBacks = %d, %v; want %d", n, err, len(gone))
	}
	for _, wb := range gone {
		if _, err := s.GetWriteBack(ctx(t), wb.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s (%s, finished %v) after the purge: %v, want ErrNotFound", wb.IncidentID, wb.Status, wb.NextAttemptAt, err)
		}
	}
	for _, wb := range kept {
		got, err := s.GetWriteBack(ctx(t), wb.ID)
		if err != nil || got.Status != wb.Status {
			t.Errorf("%s (%s) after the purge: %+v, %v; want it kept", wb.IncidentID, wb.Status, got, err)
		}
	}
	if n, err := s.PurgeWriteBacks(ctx(t), cutoff); err != nil || n != 0 {
		t.Errorf("second PurgeWriteBacks = %d, %v; want 0", n, err)
	}
	// The entry that was delivering is still taken over once its lease ends.
	if got := claim(t, s, "w", 500, time.Minute, time.Now().Add(2*time.Minute)); !slices.Contains(wbIDs(got), delivering.ID) {
		t.Errorf("claim after the purge = %v, want the expired lease %s taken over", wbIDs(got), delivering.ID)
	}
}

// More finished write-backs than one chunk are all purged, over several
// transactions.
func testWriteBackPurgeChunks(t *testing.T, s store.Store) {
	const n = 1100
	at := time.Now().Add(-48 * time.Hour).UTC()
	ids := make([]string, n)
	errs := make([]error, n)
	concurrently(n, func(i int) {
		wb, err := s.EnqueueWriteBack(ctx(t), *newWriteBack("bulk"))
		ids[i], errs[i] = wb.ID, err
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	var claimed []store.WriteBack
	for len(claimed) < n {
		got := claim(t, s, "w", 500, time.Minute, time.Now().Add(time.Second))
		if len(got) == 0 {
			t.Fatalf("claimed %d of %d", len(claimed), n)
		}
		claimed = append(claimed, got...)
	}
	concurrently(n, func(i int) {
		_, errs[i] = s.FinishWriteBack(ctx(t), claimed[i].ID, "w", store.WriteBackOutcome{Delivered: i%2 == 0, Permanent: i%2 == 1, Err: "x"}, at)
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	keep := enqueue(t, s, *newWriteBack("keep"))
	got, err := s.PurgeWriteBacks(ctx(t), at.Add(time.Second))
	if err != nil || got != n {
		t.Fatalf("PurgeWriteBacks = %d, %v; want %d", got, err, n)
	}
	list, _, err := s.ListWriteBacks(ctx(t), store.WriteBackFilter{Limit: 500})
	if err != nil || len(list) != 1 || list[0].ID != keep.ID {
		t.Fatalf("after the purge: %v, %v; want only %s", wbIDs(list), err, keep.ID)
	}
}

func testAuditPruneMovesAnchor(t *testing.T, s store.Store) {
	recs := appendN(t, s, 10)
	wantAnchor(t, s, store.AuditAnchor{})
	prune(t, s, store.AuditAnchor{}, anchorOf(recs[3]))
	wantAnchor(t, s, anchorOf(recs[3]))
	for seq := int64(1); seq <= 4; seq++ {
		if _, err := s.GetAudit(ctx(t), seq); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetAudit(%d) after pruning through 4: %v, want ErrNotFound", seq, err)
		}
	}
	if r, err := s.GetAudit(ctx(t), 5); err != nil || r.Hash != recs[4].Hash {
		t.Errorf("GetAudit(5) = %+v, %v; want the first kept record", r, err)
	}
	wantVerified(t, s, anchorOf(recs[3]), 6, recs[9].Hash)

	// The head is never reset: Seq keeps counting and links to the head.
	r, err := s.AppendAudit(ctx(t), record(10))
	if err != nil || r.Seq != 11 || r.PrevHash != recs[9].Hash {
		t.Fatalf("AppendAudit after a prune = seq %d prev %s, %v; want 11 linked to record 10", r.Seq, r.PrevHash, err)
	}
	prune(t, s, anchorOf(recs[3]), anchorOf(recs[6]))
	wantVerified(t, s, anchorOf(recs[6]), 4, r.Hash)
	var seen []int64
	if err := s.ScanAudit(ctx(t), 0, 100, func(r store.AuditRecord) error { seen = append(seen, r.Seq); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []int64{8, 9, 10, 11}) {
		t.Errorf("ScanAudit after pruning through 7 = %v, want 8 to 11", seen)
	}
}

func testAuditPruneRefuses(t *testing.T, s store.Store) {
	recs := appendN(t, s, 6)
	zero := store.AuditAnchor{}
	cases := map[string]struct {
		from, to store.AuditAnchor
		want     error
	}{
		"stale anchor":       {anchorOf(recs[0]), anchorOf(recs[3]), store.ErrAnchorMoved},
		"other last hash":    {zero, store.AuditAnchor{Seq: 3, Hash: recs[3].Hash}, store.ErrPruneMismatch},
		"beyond the head":    {zero, store.AuditAnchor{Seq: 7, Hash: recs[5].Hash}, store.ErrPruneMismatch},
		"nothing":            {zero, zero, nil},
		"backwards":          {anchorOf(recs[2]), anchorOf(recs[1]), nil},
		"more than at once":  {zero, store.AuditAnchor{Seq: store.MaxPruneRecords + 1, Hash: recs[0].Hash}, nil},
		"no hash to compare": {zero, store.AuditAnchor{Seq: 3}, nil},
	}
	for name, tc := range cases {
		n, err := s.PruneAudit(ctx(t), tc.from, tc.to)
		if err == nil || n != 0 || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: PruneAudit = %d, %v; want 0 and %v", name, n, err, tc.want)
		}
	}
	wantVerified(t, s, zero, 6, recs[5].Hash)

	// A record of the range missing: the delete would not be exactly the
	// export, so nothing is deleted and the anchor stays.
	tp := tamperer(t, s)
	if err := tp.DeleteAuditForTest(ctx(t), 2); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PruneAudit(ctx(t), zero, anchorOf(recs[3])); !errors.Is(err, store.ErrPruneMismatch) || n != 0 {
		t.Errorf("PruneAudit over a deleted record = %d, %v; want ErrPruneMismatch", n, err)
	}
	wantAnchor(t, s, zero)
	if r, err := s.GetAudit(ctx(t), 1); err != nil || r.Seq != 1 {
		t.Errorf("record 1 after a refused prune: %v", err)
	}
}

// Pruning every record leaves the anchor at the head: the log verifies with
// nothing to check, and the next record links to the pruned head.
func testAuditPruneEverything(t *testing.T, s store.Store) {
	recs := appendN(t, s, 3)
	prune(t, s, store.AuditAnchor{}, anchorOf(recs[2]))
	wantVerified(t, s, anchorOf(recs[2]), 0, recs[2].Hash)
	r, err := s.AppendAudit(ctx(t), record(3))
	if err != nil || r.Seq != 4 || r.PrevHash != recs[2].Hash {
		t.Fatalf("AppendAudit after pruning everything = %d, %v", r.Seq, err)
	}
	wantVerified(t, s, anchorOf(recs[2]), 1, r.Hash)
}

// After a prune the log is as append-only as before: a kept record cannot be
// deleted or changed, and the anchor cannot be moved back or past the head.
func testAuditPruneKeepsTriggers(t *testing.T, s store.Store) {
	tp := tamperer(t, s)
	recs := appendN(t, s, 4)
	prune(t, s, store.AuditAnchor{}, anchorOf(recs[1]))
	for _, stmt := range []string{
		"DELETE FROM audit WHERE seq = 3",
		"DELETE FROM audit",
		"UPDATE audit SET detail = 'x' WHERE seq = 3",
		"UPDATE audit_anchor SET seq = 0, hash = '' WHERE id = 1",
		"UPDATE audit_anchor SET seq = 9 WHERE id = 1",
		"DELETE FROM audit_anchor",
	} {
		if err := tp.ExecForTest(ctx(t), stmt); err == nil {
			t.Errorf("%s succeeded, want a trigger to refuse it", stmt)
		}
	}
	wantVerified(t, s, anchorOf(recs[1]), 2, recs[3].Hash)
}

// Write-backs and approvals name audit records by Seq (audit_seq), without
// a foreign key: pruning a record leaves them as they are, a queued
// write-back about a pruned record is still delivered, and an approval
// finished with a pruned record still reads.
func testAuditPruneLeavesReferences(t *testing.T, s store.Store) {
	rec, err := s.AppendAudit(ctx(t), store.AuditRecord{Command: "okta-suspend-user", Outcome: "success", WriteBack: newWriteBack("4711")})
	if err != nil {
		t.Fatal(err)
	}
	a := newApproval(t, s, store.Approval{})
	if _, err := s.DecideApproval(ctx(t), a.ID, "lead", true, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.ClaimApprovalRun(ctx(t), a.ID); !ok || err != nil {
		t.Fatalf("ClaimApprovalRun = %v, %v", ok, err)
	}
	run, err := s.AppendAudit(ctx(t), record(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishApproval(ctx(t), a.ID, store.ApprovalExecuted, []byte(`{"ok":true}`), run.Seq); err != nil {
		t.Fatal(err)
	}
	prune(t, s, store.AuditAnchor{}, anchorOf(run))

	got := claim(t, s, "w", 10, time.Minute, time.Now().Add(time.Second))
	if len(got) != 1 || got[0].ID != rec.WriteBackID || got[0].AuditSeq != rec.Seq {
		t.Fatalf("claim after pruning its record = %+v, want %s about record %d", got, rec.WriteBackID, rec.Seq)
	}
	if wb := finish(t, s, rec.WriteBackID, "w", store.WriteBackOutcome{Delivered: true}, time.Now()); wb.Status != store.WriteBackDelivered {
		t.Errorf("write-back about a pruned record: %+v, want delivered", wb)
	}
	if got := getApproval(t, s, a.ID); got.AuditSeq != run.Seq || got.Status != store.ApprovalExecuted {
		t.Errorf("approval after pruning its run's record = %+v", got)
	}
}

// exactRecord has fields whose bytes encoding/json would change: JSON with
// spaces, HTML characters and a line break.
func exactRecords() []store.AuditRecord {
	return []store.AuditRecord{
		{Command: "okta-clear-sessions", Outcome: "success", Subject: "a&b <soar@example.com>",
			Args:     json.RawMessage(`{ "user" : "<jdoe>&co",  "oauth_tokens": true }`),
			Incident: json.RawMessage(`{"platform":"xsoar","id":4711}`), Detail: "<html>\u2028é"},
		{Command: "okta-suspend-user", Outcome: "provider_error", Args: json.RawMessage("{\n  \"user\": \"x\"\r\n}"),
			Incident: json.RawMessage("{\"id\":\n\"9\"}"), ProviderStatus: 404, RequestedAs: "lock-user"},
		{Command: "c", Outcome: "error", Detail: "bad\x00byte\xff"},
	}
}

func testAuditExportRoundTrips(t *testing.T, s store.Store) {
	var want []store.AuditRecord
	for _, r := range exactRecords() {
		got, err := s.AppendAudit(ctx(t), r)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, got)
	}
	want = append(want, appendN(t, s, 2)...)
	var buf bytes.Buffer
	sum, err := store.ExportAudit(ctx(t), s, &buf, store.ExportRange{})
	if err != nil || sum.Records != int64(len(want)) || sum.Last != anchorOf(want[len(want)-1]) || sum.From != (store.AuditAnchor{}) {
		t.Fatalf("ExportAudit = %+v, %v", sum, err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	// The first record's JSON is written as stored, not re-encoded.
	if !strings.Contains(lines[0], `"args":{ "user" : "<jdoe>&co",  "oauth_tokens": true }`) {
		t.Errorf("line 1 does not hold args byte for byte: %s", lines[0])
	}
	path := filepath.Join(t.TempDir(), "export.jsonl")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var back []store.AuditRecord
	f, err := store.ReadExportFile(path, func(r store.AuditRecord) { back = append(back, r) })
	if err != nil || f.Records != sum.Records || f.Last != sum.Last || f.SHA256 != sum.SHA256 {
		t.Fatalf("ReadExportFile = %+v, %v; want %+v", f, err, sum)
	}
	for i, r := range back {
		w := want[i]
		if r.Seq != w.Seq || r.Hash != w.Hash || !bytes.Equal(r.Args, w.Args) || !bytes.Equal(r.Incident, w.Incident) ||
			r.Detail != w.Detail || r.Subject != w.Subject || !r.Time.Equal(w.Time) || r.RequestedAs != w.RequestedAs {
			t.Errorf("line %d read back as %+v, want %+v", i+1, r, w)
		}
	}
	if hv, err := store.VerifyAuditExports([]string{path}, nil); err != nil || !hv.OK || hv.Records != sum.Records {
		t.Errorf("VerifyAuditExports = %+v, %v", hv, err)
	}

	// ExportAuditFile writes the same bytes durably, and Through bounds it.
	f2, err := store.ExportAuditFile(ctx(t), s, filepath.Join(t.TempDir(), "two.jsonl"), store.ExportRange{Through: 2})
	if err != nil || f2.Records != 2 || f2.Last != anchorOf(want[1]) {
		t.Fatalf("ExportAuditFile through 2 = %+v, %v", f2, err)
	}
	if _, err := store.ExportAudit(ctx(t), s, &bytes.Buffer{}, store.ExportRange{Through: 99}); err == nil {
		t.Error("ExportAudit through a record beyond the head succeeded")
	}
}

func testAuditExportAndPrune(t *testing.T, s store.Store) {
	now := time.Now().UTC()
	old, recent := now.Add(-100*24*time.Hour), now.Add(-time.Hour)
	recs := appendTimed(t, s, old, old.Add(time.Second), old.Add(2*time.Second), old.Add(3*time.Second), old.Add(4*time.Second), recent, recent)
	dir := filepath.Join(t.TempDir(), "exports")
	res, err := store.ExportAndPruneAudit(ctx(t), s, store.PruneOptions{Dir: dir, Before: now.Add(-90 * 24 * time.Hour), PerFile: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Pruned != 5 || len(res.Files) != 3 || res.Anchor != anchorOf(recs[4]) {
		t.Fatalf("ExportAndPruneAudit = %+v, want 5 pruned in 3 files, anchor at 5", res)
	}
	wantNames := []string{store.ExportFileName(1, 2), store.ExportFileName(3, 4), store.ExportFileName(5, 5)}
	var paths []string
	for i, f := range res.Files {
		if filepath.Base(f.Path) != wantNames[i] {
			t.Errorf("file %d is %s, want %s", i, f.Path, wantNames[i])
		}
		paths = append(paths, f.Path)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("%s holds %d entries, want the 3 exports and no temporary file", dir, len(entries))
	}
	wantVerified(t, s, anchorOf(recs[4]), 2, recs[6].Hash)
	hv, sv, err := store.VerifyAuditHistory(ctx(t), s, paths)
	if err != nil || !hv.OK || !sv.OK || hv.Records != 5 || hv.Last != anchorOf(recs[4]) {
		t.Fatalf("VerifyAuditHistory = %+v / %+v, %v; want the whole history to verify", hv, sv, err)
	}
	// The same cutoff again has nothing to prune.
	res, err = store.ExportAndPruneAudit(ctx(t), s, store.PruneOptions{Dir: dir, Before: now.Add(-90 * 24 * time.Hour)})
	if err != nil || res.Pruned != 0 || len(res.Files) != 0 {
		t.Errorf("second ExportAndPruneAudit = %+v, %v; want nothing pruned", res, err)
	}
	// Files in any order, and a copy of one, verify the same.
	cp := filepath.Join(t.TempDir(), "copy.jsonl")
	b, _ := os.ReadFile(paths[1])
	_ = os.WriteFile(cp, b, 0o600)
	if hv, _, err := store.VerifyAuditHistory(ctx(t), s, []string{paths[2], cp, paths[0], paths[1]}); err != nil || !hv.OK {
		t.Errorf("VerifyAuditHistory over shuffled files with a copy = %+v, %v", hv, err)
	}
}

// A prune is a prefix: it stops at the first record at or after the cutoff,
// even if later ones are older.
func testAuditExportAndPrunePrefix(t *testing.T, s store.Store) {
	now := time.Now().UTC()
	old := now.Add(-48 * time.Hour)
	recs := appendTimed(t, s, old, now, old)
	res, err := store.ExportAndPruneAudit(ctx(t), s, store.PruneOptions{Dir: t.TempDir(), Before: now.Add(-time.Hour)})
	if err != nil || res.Pruned != 1 || res.Anchor != anchorOf(recs[0]) {
		t.Fatalf("ExportAndPruneAudit = %+v, %v; want only record 1 pruned", res, err)
	}
	wantVerified(t, s, anchorOf(recs[0]), 2, recs[2].Hash)
}

// A prune that failed after its export leaves the export: the next prune
// never replaces it (a file of the same name gets a suffix), and the
// history verifies over both, overlapping as they do.
func testAuditExportAndPruneAfterFailure(t *testing.T, s store.Store) {
	now := time.Now().UTC()
	old := now.Add(-48 * time.Hour)
	recs := appendTimed(t, s, old, old, old, now)
	dir := t.TempDir()
	// As if a prune of records 1 to 3, and another of 1 to 2, had exported
	// and then failed.
	for _, through := range []int64{3, 2} {
		if _, err := store.ExportAuditFile(ctx(t), s, filepath.Join(dir, store.ExportFileName(1, through)), store.ExportRange{Through: through}); err != nil {
			t.Fatal(err)
		}
	}
	stale, _ := os.ReadFile(filepath.Join(dir, store.ExportFileName(1, 3)))
	res, err := store.ExportAndPruneAudit(ctx(t), s, store.PruneOptions{Dir: dir, Before: now.Add(-time.Hour)})
	if err != nil || res.Pruned != 3 || len(res.Files) != 1 || filepath.Base(res.Files[0].Path) != "audit-000000000001-000000000003.1.jsonl" {
		t.Fatalf("ExportAndPruneAudit = %+v, %v; want records 1 to 3 pruned with a new file", res, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, store.ExportFileName(1, 3))); !bytes.Equal(b, stale) {
		t.Error("the earlier export was replaced")
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "audit-*.jsonl"))
	hv, sv, err := store.VerifyAuditHistory(ctx(t), s, paths)
	if err != nil || !hv.OK || len(hv.Files) != 3 || hv.Records != 3 || sv.AnchorSeq != 3 {
		t.Fatalf("VerifyAuditHistory over %d files = %+v / %+v, %v", len(paths), hv, sv, err)
	}
	wantVerified(t, s, anchorOf(recs[2]), 1, recs[3].Hash)
	// An export never replaces a file.
	if _, err := store.ExportAuditFile(ctx(t), s, filepath.Join(dir, store.ExportFileName(1, 2)), store.ExportRange{}); err == nil {
		t.Error("ExportAuditFile replaced an existing file")
	}
}

func testAuditVerifyAfterPruneDetectsTampering(t *testing.T, s store.Store) {
	tp := tamperer(t, s)
	recs := appendN(t, s, 8)
	prune(t, s, store.AuditAnchor{}, anchorOf(recs[2]))
	steps := []struct {
		name   string
		tamper func() error
		undo   func() error
		broken int64
	}{
		{"first kept records deleted, anchor left behind",
			func() error { return tp.DeleteAuditForTest(ctx(t), 4) }, nil, 4},
		{"anchor forged (its hash is not record 3's)",
			func() error { return tp.SetAuditAnchorForTest(ctx(t), 3, strings.Repeat("a", 64)) },
			func() error { return tp.SetAuditAnchorForTest(ctx(t), 3, recs[2].Hash) }, 4},
		{"anchor moved back over pruned records",
			func() error { return tp.SetAuditAnchorForTest(ctx(t), 1, recs[0].Hash) },
			func() error { return tp.SetAuditAnchorForTest(ctx(t), 3, recs[2].Hash) }, 2},
		{"anchor beyond the head",
			func() error { return tp.SetAuditAnchorForTest(ctx(t), 99, recs[7].Hash) },
			func() error { return tp.SetAuditAnchorForTest(ctx(t), 3, recs[2].Hash) }, 99},
		{"tail deleted", func() error { return tp.DeleteAuditForTest(ctx(t), 8) }, nil, 8},
	}
	// Each step is checked on a store otherwise intact; deletions cannot be
	// undone, so they come in an order that keeps the earlier ones' result.
	for _, st := range steps[1:4] {
		if err := st.tamper(); err != nil {
			t.Fatal(err)
		}
		t.Run(st.name, func(t *testing.T) { wantBroken(t, s, st.broken) })
		if err := st.undo(); err != nil {
			t.Fatal(err)
		}
		wantVerified(t, s, anchorOf(recs[2]), 5, recs[7].Hash)
	}
	if err := steps[4].tamper(); err != nil {
		t.Fatal(err)
	}
	t.Run(steps[4].name, func(t *testing.T) { wantBroken(t, s, 8) })
	if err := steps[0].tamper(); err != nil {
		t.Fatal(err)
	}
	t.Run(steps[0].name, func(t *testing.T) { wantBroken(t, s, 4) })
}

func testAuditHistoryDetectsTampering(t *testing.T, s store.Store) {
	tp := tamperer(t, s)
	now := time.Now().UTC()
	old := now.Add(-48 * time.Hour)
	recs := appendTimed(t, s, old, old, old, old, now, now)
	dir := t.TempDir()
	res, err := store.ExportAndPruneAudit(ctx(t), s, store.PruneOptions{Dir: dir, Before: now.Add(-time.Hour), PerFile: 2})
	if err != nil || res.Pruned != 4 || len(res.Files) != 2 {
		t.Fatalf("ExportAndPruneAudit = %+v, %v", res, err)
	}
	first, second := res.Files[0].Path, res.Files[1].Path
	wantHistory := func(name string, paths []string, reason string) {
		t.Helper()
		hv, _, err := store.VerifyAuditHistory(ctx(t), s, paths)
		if err != nil || hv.OK || !strings.Contains(hv.Reason, reason) {
			t.Errorf("%s: VerifyAuditHistory = %+v, %v; want broken with %q", name, hv, err, reason)
		}
	}
	wantHistory("a file missing at the start", []string{second}, "records 1 to 2 are in none")
	wantHistory("the last file missing", []string{first}, "records 3 to 4 were pruned")
	wantHistory("no files", nil, "no export files")

	// An export line altered.
	b, _ := os.ReadFile(first)
	altered := filepath.Join(t.TempDir(), "altered.jsonl")
	_ = os.WriteFile(altered, bytes.Replace(b, []byte(`"outcome":"success"`), []byte(`"outcome":"rejected"`), 1), 0o600)
	wantHistory("a line altered", []string{altered, second}, "altered.jsonl line 1: record 1 does not match its hash")
	// A file cut short.
	cut := filepath.Join(t.TempDir(), "cut.jsonl")
	_ = os.WriteFile(cut, b[:len(b)-5], 0o600)
	wantHistory("a file cut short", []string{cut, second}, "cut.jsonl line 2")
	// A forged copy of the first file: record 2 altered and every hash
	// recomputed, so that the file verifies on its own. It disagrees with
	// the genuine files where they overlap.
	forged := filepath.Join(t.TempDir(), "forged.jsonl")
	var lines []byte
	prev := ""
	for i, r := range recs[:2] {
		if i == 1 {
			r.Detail = "nothing to see here"
			r.PrevHash = prev
			r.Hash = specHash(r)
		}
		prev = r.Hash
		r.WriteBackID = ""
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(append(lines, line...), '\n')
	}
	_ = os.WriteFile(forged, lines, 0o600)
	if hv, err := store.VerifyAuditExports([]string{forged}, nil); err != nil || !hv.OK {
		t.Fatalf("the forged file does not verify on its own (%+v, %v): the test does not test the cross-check", hv, err)
	}
	wantHistory("a forged overlapping copy", []string{first, forged, second}, "disagree on record 2")
	wantHistory("the forged copy instead", []string{forged, second}, "disagree on record 2")

	// More pruned behind the exports' back, anchor moved to match: the
	// store alone verifies, the history does not.
	if err := tp.DeleteAuditForTest(ctx(t), 5); err != nil {
		t.Fatal(err)
	}
	if err := tp.SetAuditAnchorForTest(ctx(t), 5, recs[4].Hash); err != nil {
		t.Fatal(err)
	}
	wantVerified(t, s, anchorOf(recs[4]), 1, recs[5].Hash)
	wantHistory("records pruned without an export", []string{first, second}, "records 5 to 5 were pruned from the store but are in none")
}

// Appends while records are pruned: every append gets the next Seq, nothing
// is lost or pruned that was not exported, and the whole history verifies.
func testAuditPruneDuringAppends(t *testing.T, s store.Store) {
	appendN(t, s, 20)
	dir := t.TempDir()
	const appenders, each = 4, 25
	var wg sync.WaitGroup
	errs := make([]error, appenders)
	for i := range appenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range each {
				if _, err := s.AppendAudit(ctx(t), record(100*i+j)); err != nil {
					errs[i] = err
					return
				}
			}
		}()
	}
	// Verifications meanwhile see each prune wholly or not at all: never a
	// gap where records were just pruned.
	stopVerify := make(chan struct{})
	verified := make(chan error, 1)
	go func() {
		var bad error
		n := 0
		for {
			select {
			case <-stopVerify:
				if bad == nil && n == 0 {
					bad = errors.New("no verification ran")
				}
				verified <- bad
				return
			default:
			}
			v, err := s.VerifyAudit(ctx(t))
			n++
			if bad == nil && (err != nil || !v.OK) {
				bad = fmt.Errorf("VerifyAudit during a prune = %+v, %v", v, err)
			}
		}
	}()
	var paths []string
	var pruned int64
	for range 5 {
		res, err := store.ExportAndPruneAudit(ctx(t), s, store.PruneOptions{Dir: dir, Before: time.Now().Add(time.Hour), PerFile: 7})
		if err != nil {
			t.Fatal(err)
		}
		pruned += res.Pruned
		for _, f := range res.Files {
			paths = append(paths, f.Path)
		}
	}
	wg.Wait()
	close(stopVerify)
	if err := <-verified; err != nil {
		t.Error(err)
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	v := verify(t, s)
	if !v.OK || v.AnchorSeq != pruned || v.Checked+pruned != 20+appenders*each {
		t.Fatalf("VerifyAudit = %+v after pruning %d; want OK with every record pruned or kept", v, pruned)
	}
	if hv, _, err := store.VerifyAuditHistory(ctx(t), s, paths); err != nil || !hv.OK || hv.Records != pruned {
		t.Fatalf("VerifyAuditHistory = %+v, %v", hv, err)
	}
}

// testSharedAuditPrune: two replicas prune at once while both append, into
// one export directory (the worse case: idcmd audit prune run beside the
// server's housekeeping, or replicas on a shared volume) or into their own.
// Each record is pruned once, by one of them; the exports of the rounds a
// replica lost stay (overlapping the winner's), no export replaces another,
// and the history verifies over the directories.
func testSharedAuditPrune(t *testing.T, a, b store.Store, oneDir bool) {
	dirs := []string{t.TempDir(), t.TempDir()}
	if oneDir {
		dirs[1] = dirs[0]
	}
	sharedPrune(t, a, b, dirs)
}

// sharedPrune appends 30 records, then 20 from each store while both prune
// into dirs[0] and dirs[1].
func sharedPrune(t *testing.T, a, b store.Store, dirs []string) {
	appendN(t, a, 30)
	var wg sync.WaitGroup
	appendErrs := make([]error, 2)
	for i, s := range []store.Store{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				if _, err := s.AppendAudit(ctx(t), record(1000*i+j)); err != nil {
					appendErrs[i] = err
					return
				}
			}
		}()
	}
	var mu sync.Mutex
	lost := map[string]int{}
	concurrently(2, func(i int) {
		s := []store.Store{a, b}[i]
		for range 4 {
			// Losing a race is an error for that round, never a wrong prune.
			_, err := store.ExportAndPruneAudit(ctx(t), s, store.PruneOptions{Dir: dirs[i], Before: time.Now().Add(time.Hour), PerFile: 5})
			if err != nil {
				kind := "other: " + err.Error()
				if errors.Is(err, store.ErrAnchorMoved) {
					kind = "anchor moved"
				}
				mu.Lock()
				lost[kind]++
				mu.Unlock()
			}
		}
	})
	t.Logf("rounds lost to the other replica: %v", lost)
	wg.Wait()
	if err := errors.Join(appendErrs...); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, d := range slices.Compact(slices.Clone(dirs)) {
		m, _ := filepath.Glob(filepath.Join(d, "audit-*.jsonl"))
		paths = append(paths, m...)
	}
	suffixed := 0
	for _, p := range paths {
		if strings.Count(filepath.Base(p), ".") > 1 {
			suffixed++
		}
	}
	t.Logf("%d export files, %d of them named with a suffix (the same records exported twice)", len(paths), suffixed)
	for _, s := range []store.Store{a, b} {
		hv, sv, err := store.VerifyAuditHistory(ctx(t), s, paths)
		if err != nil || !hv.OK || !sv.OK || hv.Records < sv.AnchorSeq || sv.AnchorSeq+sv.Checked != 70 {
			t.Fatalf("VerifyAuditHistory = %+v / %+v, %v", hv, sv, err)
		}
	}
}
