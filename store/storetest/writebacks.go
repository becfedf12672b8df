package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/idcmd/idcmd/store"
)

func newWriteBack(incident string) *store.WriteBack {
	return &store.WriteBack{
		Platform:        store.PlatformXSOAR,
		IncidentID:      incident,
		InvestigationID: incident,
		Markdown:        "#### idcmd: okta-suspend-user: done\n| | |\n|---|---|\n| User | jdoe |\n",
	}
}

func enqueue(t *testing.T, s store.Store, wb store.WriteBack) store.WriteBack {
	t.Helper()
	got, err := s.EnqueueWriteBack(ctx(t), wb)
	if err != nil {
		t.Fatalf("EnqueueWriteBack: %v", err)
	}
	return got
}

func getWriteBack(t *testing.T, s store.Store, id string) store.WriteBack {
	t.Helper()
	wb, err := s.GetWriteBack(ctx(t), id)
	if err != nil {
		t.Fatalf("GetWriteBack(%s): %v", id, err)
	}
	return wb
}

func claim(t *testing.T, s store.Store, owner string, limit int, lease time.Duration, now time.Time) []store.WriteBack {
	t.Helper()
	got, err := s.ClaimWriteBacks(ctx(t), owner, limit, lease, now)
	if err != nil {
		t.Fatalf("ClaimWriteBacks(%s): %v", owner, err)
	}
	return got
}

func finish(t *testing.T, s store.Store, id, owner string, o store.WriteBackOutcome, now time.Time) store.WriteBack {
	t.Helper()
	wb, err := s.FinishWriteBack(ctx(t), id, owner, o, now)
	if err != nil {
		t.Fatalf("FinishWriteBack(%s, %s): %v", id, owner, err)
	}
	return wb
}

func wbIDs(list []store.WriteBack) []string {
	var out []string
	for _, wb := range list {
		out = append(out, wb.ID)
	}
	return out
}

func testWriteBackWithAudit(t *testing.T, s store.Store) {
	in := record(1)
	in.Time = time.Date(2025, 3, 4, 5, 6, 7, 891011000, time.UTC)
	in.WriteBack = newWriteBack("4711")
	in.WriteBack.Note = true
	in.WriteBack.ID, in.WriteBack.Status, in.WriteBack.Attempts = "wb_mine", store.WriteBackDelivered, 7 // ignored
	in.WriteBackID = "wb_ignored"
	got, err := s.AppendAudit(ctx(t), in)
	if err != nil {
		t.Fatal(err)
	}
	wb := got.WriteBack
	if wb == nil {
		t.Fatal("AppendAudit returned no WriteBack")
	}
	if len(wb.ID) != 23 || !strings.HasPrefix(wb.ID, "wb_") || got.WriteBackID != wb.ID {
		t.Errorf("write-back ID %q, record's WriteBackID %q: want wb_ and 20 characters, the same in both", wb.ID, got.WriteBackID)
	}
	want := store.WriteBack{
		ID: wb.ID, Kind: store.KindEntry, AuditSeq: got.Seq, Platform: "xsoar", IncidentID: "4711", InvestigationID: "4711",
		Markdown: in.WriteBack.Markdown, Note: true, Status: store.WriteBackQueued,
		NextAttemptAt: in.Time, CreatedAt: in.Time,
	}
	if diff := gocmp.Diff(want, *wb); diff != "" {
		t.Errorf("queued write-back (-want +got):\n%s", diff)
	}
	if diff := gocmp.Diff(want, getWriteBack(t, s, wb.ID)); diff != "" {
		t.Errorf("GetWriteBack (-want +got):\n%s", diff)
	}
	// The write-back is not hashed: the record hashes as documented.
	if h := specHash(got); got.Hash != h {
		t.Errorf("Hash = %s, want %s: the write-back must not be part of it", got.Hash, h)
	}
	stored, err := s.GetAudit(ctx(t), got.Seq)
	if err != nil {
		t.Fatal(err)
	}
	wantRec := got
	wantRec.WriteBack = nil
	if diff := gocmp.Diff(wantRec, stored); diff != "" {
		t.Errorf("GetAudit (-want +got):\n%s", diff)
	}
	plain, err := s.AppendAudit(ctx(t), record(2))
	if err != nil {
		t.Fatal(err)
	}
	if plain.WriteBack != nil || plain.WriteBackID != "" {
		t.Errorf("a record without a write-back has WriteBackID %q", plain.WriteBackID)
	}
	recs, _, err := s.ListAudit(ctx(t), store.AuditFilter{})
	if err != nil || len(recs) != 2 || recs[1].WriteBackID != wb.ID || recs[0].WriteBackID != "" {
		t.Errorf("ListAudit = %+v, %v; want record 1 with WriteBackID %s", recs, err, wb.ID)
	}
	if v := verify(t, s); !v.OK || v.Checked != 2 {
		t.Errorf("VerifyAudit = %+v, want OK with 2 checked", v)
	}

	// A write-back the store refuses refuses the record too.
	bad := record(3)
	bad.WriteBack = &store.WriteBack{Platform: "jira", IncidentID: "1", Markdown: "x"}
	if _, err := s.AppendAudit(ctx(t), bad); err == nil {
		t.Error("AppendAudit with a write-back to platform jira succeeded")
	}
	if r, err := s.AppendAudit(ctx(t), record(4)); err != nil || r.Seq != 3 {
		t.Errorf("AppendAudit after a refused write-back = Seq %d, %v; want 3 (no gap)", r.Seq, err)
	}
}

// If the write-back cannot be inserted, the record is not appended either,
// also when it shares a group commit with records that are.
func testWriteBackAtomicWithAudit(t *testing.T, s store.Store) {
	tp := tamperer(t, s)
	if err := tp.ExecForTest(ctx(t), "DROP TABLE writebacks"); err != nil {
		t.Fatal(err)
	}
	const n = 32
	errs := make([]error, n)
	concurrently(n, func(i int) {
		r := record(i)
		if i%2 == 0 {
			r.WriteBack = newWriteBack("1")
		}
		_, errs[i] = s.AppendAudit(ctx(t), r)
	})
	for i, err := range errs {
		if (i%2 == 0) != (err != nil) {
			t.Errorf("AppendAudit %d (write-back: %v): error %v", i, i%2 == 0, err)
		}
	}
	v := verify(t, s)
	if !v.OK || v.Checked != n/2 {
		t.Errorf("VerifyAudit = %+v, want OK with %d checked: only the records without a write-back", v, n/2)
	}
	recs, _, err := s.ListAudit(ctx(t), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.DurationMS%2 == 0 { // record(i) has DurationMS i
			t.Errorf("record %d (request %s) was appended although its write-back failed", r.Seq, r.RequestID)
		}
	}
}

func testWriteBackBounds(t *testing.T, s store.Store) {
	for _, bad := range []store.WriteBack{
		{Platform: "", IncidentID: "1", Markdown: "x"},
		{Platform: "XSOAR", IncidentID: "1", Markdown: "x"},
		{Platform: "xdr", IncidentID: "", Markdown: "x"},
		{Platform: "xdr", IncidentID: "1", AuditSeq: -1},
	} {
		if _, err := s.EnqueueWriteBack(ctx(t), bad); err == nil {
			t.Errorf("EnqueueWriteBack(%+v) succeeded, want an error", bad)
		}
	}

	exact := strings.Repeat("a", store.MaxWriteBackMarkdown)
	if wb := enqueue(t, s, store.WriteBack{Platform: "xdr", IncidentID: "1", Markdown: exact}); wb.Markdown != exact {
		t.Errorf("Markdown of exactly %d bytes was changed to %d bytes", len(exact), len(wb.Markdown))
	}
	// 'é' is two bytes: a cut at the byte limit would split one.
	long := "x" + strings.Repeat("é", store.MaxWriteBackMarkdown)
	wb := enqueue(t, s, store.WriteBack{Platform: "xdr", IncidentID: "1", Markdown: long})
	if len(wb.Markdown) > store.MaxWriteBackMarkdown || len(wb.Markdown) < store.MaxWriteBackMarkdown-8 ||
		!strings.HasSuffix(wb.Markdown, "… truncated by idcmd") || !utf8.ValidString(wb.Markdown) ||
		!strings.HasPrefix(long, strings.TrimSuffix(wb.Markdown, store.WriteBackTruncatedNote)) {
		t.Errorf("long Markdown: %d bytes, valid UTF-8 %v, ends %q; want a prefix of at most %d bytes and the note",
			len(wb.Markdown), utf8.ValidString(wb.Markdown), wb.Markdown[max(len(wb.Markdown)-40, 0):], store.MaxWriteBackMarkdown)
	}
	if got := getWriteBack(t, s, wb.ID); got.Markdown != wb.Markdown {
		t.Errorf("stored Markdown (%d bytes) differs from the returned one (%d bytes)", len(got.Markdown), len(wb.Markdown))
	}
	// Text PostgreSQL cannot store is cleaned the same way on every backend.
	wb = enqueue(t, s, store.WriteBack{Platform: "xdr", IncidentID: "1\x00", Markdown: "bad\x00byte\xff"})
	if wb.Markdown != "bad\uFFFDbyte\uFFFD" || wb.IncidentID != "1\uFFFD" {
		t.Errorf("Markdown %q, IncidentID %q: want NUL and invalid UTF-8 replaced", wb.Markdown, wb.IncidentID)
	}
}

func testWriteBackEnqueue(t *testing.T, s store.Store) {
	before := time.Now().UTC().Truncate(time.Microsecond)
	wb := enqueue(t, s, store.WriteBack{
		AuditSeq: 42, Platform: store.PlatformXDR, IncidentID: "77", Markdown: "approved by lead", Note: true,
		ID: "wb_mine", Status: store.WriteBackFailed, Attempts: 3, LastError: "x", // ignored
	})
	if !strings.HasPrefix(wb.ID, "wb_") || len(wb.ID) != 23 || wb.Status != store.WriteBackQueued ||
		wb.Attempts != 0 || wb.LastError != "" || wb.AuditSeq != 42 || !wb.Note {
		t.Errorf("enqueued write-back = %+v", wb)
	}
	if wb.CreatedAt.Before(before) || !wb.NextAttemptAt.Equal(wb.CreatedAt) || wb.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt %v, NextAttemptAt %v: want both the enqueue time (after %v), in UTC", wb.CreatedAt, wb.NextAttemptAt, before)
	}
	if diff := gocmp.Diff(wb, getWriteBack(t, s, wb.ID)); diff != "" {
		t.Errorf("GetWriteBack (-enqueued +got):\n%s", diff)
	}
	if other := enqueue(t, s, store.WriteBack{Platform: "xsoar", IncidentID: "77"}); other.ID == wb.ID {
		t.Errorf("two write-backs share ID %s", wb.ID)
	}
	if _, err := s.GetWriteBack(ctx(t), "wb_doesnotexist"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetWriteBack of an unknown ID: error = %v, want ErrNotFound", err)
	}
	// The audit log is not involved.
	if v := verify(t, s); !v.OK || v.Checked != 0 {
		t.Errorf("VerifyAudit = %+v, want OK with 0 checked", v)
	}
}

// Due-ness is tested by passing "now" explicitly, never by waiting.
func testWriteBackClaim(t *testing.T, s store.Store) {
	base := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	var queued []store.WriteBack // oldest first
	for i := range 4 {
		r := record(i)
		r.Time = base.Add(time.Duration(i) * time.Minute)
		r.WriteBack = newWriteBack(fmt.Sprint(i))
		got, err := s.AppendAudit(ctx(t), r)
		if err != nil {
			t.Fatal(err)
		}
		queued = append(queued, *got.WriteBack)
	}
	const lease = time.Hour
	if got := claim(t, s, "a", 10, lease, base.Add(-time.Microsecond)); len(got) != 0 {
		t.Errorf("claim before anything is due = %v, want none", wbIDs(got))
	}
	now := base.Add(2 * time.Minute)
	got := claim(t, s, "a", 10, lease, now)
	if diff := gocmp.Diff(wbIDs(queued[:3]), wbIDs(got)); diff != "" {
		t.Fatalf("claim at %v: (-want +got):\n%s", now, diff)
	}
	for i, wb := range got {
		want := queued[i]
		want.Status, want.Attempts, want.NextAttemptAt = store.WriteBackDelivering, 1, now.Add(lease)
		if diff := gocmp.Diff(want, wb); diff != "" {
			t.Errorf("claimed write-back %d (-want +got):\n%s", i, diff)
		}
		if diff := gocmp.Diff(want, getWriteBack(t, s, wb.ID)); diff != "" {
			t.Errorf("GetWriteBack of claimed write-back %d (-want +got):\n%s", i, diff)
		}
	}
	if again := claim(t, s, "b", 10, lease, now); len(again) != 0 {
		t.Errorf("second claim while leased = %v, want none", wbIDs(again))
	}
	later := base.Add(3 * time.Minute)
	if one := claim(t, s, "b", 1, lease, later); len(one) != 1 || one[0].ID != queued[3].ID {
		t.Errorf("claim of the last due write-back = %v, want [%s]", wbIDs(one), queued[3].ID)
	}

	for _, bad := range []struct {
		owner string
		limit int
		lease time.Duration
	}{{"", 1, time.Second}, {"a", 0, time.Second}, {"a", 1, 0}} {
		if _, err := s.ClaimWriteBacks(ctx(t), bad.owner, bad.limit, bad.lease, now); err == nil {
			t.Errorf("ClaimWriteBacks(%q, %d, %v) succeeded, want an error", bad.owner, bad.limit, bad.lease)
		}
	}
}

func testWriteBackLeaseExpiry(t *testing.T, s store.Store) {
	wb := enqueue(t, s, *newWriteBack("9"))
	t0 := time.Now().Add(time.Second).UTC().Truncate(time.Microsecond)
	const lease = 30 * time.Second
	if got := claim(t, s, "replica-a", 10, lease, t0); len(got) != 1 || got[0].ID != wb.ID {
		t.Fatalf("claim by a = %v, want [%s]", wbIDs(got), wb.ID)
	}
	if got := claim(t, s, "replica-b", 10, lease, t0.Add(lease-time.Microsecond)); len(got) != 0 {
		t.Fatalf("claim by b within a's lease = %v, want none", wbIDs(got))
	}
	// a's lease has run out (a died, or is stuck): b takes the write-back over.
	got := claim(t, s, "replica-b", 10, lease, t0.Add(lease))
	if len(got) != 1 || got[0].ID != wb.ID || got[0].Attempts != 2 || got[0].Status != store.WriteBackDelivering {
		t.Fatalf("claim by b after a's lease = %+v, want %s with 2 attempts", got, wb.ID)
	}
	for _, o := range []store.WriteBackOutcome{
		{Delivered: true, RemoteID: "1@9"}, {Err: "timeout"}, {Err: "closed", Permanent: true},
	} {
		if _, err := s.FinishWriteBack(ctx(t), wb.ID, "replica-a", o, t0.Add(lease+time.Second)); !errors.Is(err, store.ErrNotPending) {
			t.Errorf("FinishWriteBack(%+v) by a after the takeover: error = %v, want ErrNotPending", o, err)
		}
	}
	if cur := getWriteBack(t, s, wb.ID); cur.Status != store.WriteBackDelivering || cur.RemoteID != "" || cur.LastError != "" {
		t.Errorf("after a's refused outcomes: %+v, want it unchanged, delivering", cur)
	}
	done := finish(t, s, wb.ID, "replica-b", store.WriteBackOutcome{Delivered: true, RemoteID: "2@9"}, t0.Add(lease+2*time.Second))
	if done.Status != store.WriteBackDelivered || done.RemoteID != "2@9" {
		t.Errorf("b's outcome = %+v, want delivered as 2@9", done)
	}
	if _, err := s.FinishWriteBack(ctx(t), wb.ID, "replica-b", store.WriteBackOutcome{Err: "x"}, t0); !errors.Is(err, store.ErrNotPending) {
		t.Errorf("second FinishWriteBack: error = %v, want ErrNotPending", err)
	}
	if _, err := s.FinishWriteBack(ctx(t), "wb_doesnotexist", "replica-b", store.WriteBackOutcome{}, t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("FinishWriteBack of an unknown ID: error = %v, want ErrNotFound", err)
	}

	// A holder whose lease ran out but was not taken over still records
	// its outcome: its attempt is the latest.
	late := enqueue(t, s, *newWriteBack("9"))
	claim(t, s, "replica-a", 10, lease, t0)
	if got := finish(t, s, late.ID, "replica-a", store.WriteBackOutcome{Delivered: true}, t0.Add(time.Hour)); got.Status != store.WriteBackDelivered {
		t.Errorf("late outcome = %+v, want delivered", got)
	}
}

func testWriteBackFinish(t *testing.T, s store.Store) {
	t0 := time.Now().Add(time.Second).UTC().Truncate(time.Microsecond)
	const lease = time.Minute
	delivered := enqueue(t, s, *newWriteBack("1"))
	retried := enqueue(t, s, *newWriteBack("2"))
	failed := enqueue(t, s, *newWriteBack("3"))
	if got := claim(t, s, "w", 10, lease, t0); len(got) != 3 {
		t.Fatalf("claimed %v, want all three", wbIDs(got))
	}
	if _, err := s.FinishWriteBack(ctx(t), delivered.ID, "w", store.WriteBackOutcome{Delivered: true, Permanent: true}, t0); err == nil {
		t.Error("FinishWriteBack with an outcome both delivered and permanent succeeded")
	}

	t1 := t0.Add(2 * time.Second)
	got := finish(t, s, delivered.ID, "w", store.WriteBackOutcome{Delivered: true, RemoteID: "12@1"}, t1)
	if got.Status != store.WriteBackDelivered || got.RemoteID != "12@1" || got.DeliveredAt == nil ||
		!got.DeliveredAt.Equal(t1) || got.Attempts != 1 || got.LastError != "" {
		t.Errorf("delivered = %+v", got)
	}
	if diff := gocmp.Diff(got, getWriteBack(t, s, delivered.ID)); diff != "" {
		t.Errorf("GetWriteBack after delivery (-finished +got):\n%s", diff)
	}

	retryAt := t1.Add(5 * time.Minute)
	got = finish(t, s, retried.ID, "w", store.WriteBackOutcome{Err: "xsoar: HTTP 503", RetryAt: retryAt}, t1)
	if got.Status != store.WriteBackQueued || got.LastError != "xsoar: HTTP 503" || !got.NextAttemptAt.Equal(retryAt) ||
		got.DeliveredAt != nil || got.Attempts != 1 {
		t.Errorf("retry = %+v, want queued until %v with the error", got, retryAt)
	}

	got = finish(t, s, failed.ID, "w", store.WriteBackOutcome{Err: "investigation closed (HTTP 412)", Permanent: true}, t1)
	if got.Status != store.WriteBackFailed || got.LastError != "investigation closed (HTTP 412)" || got.DeliveredAt != nil {
		t.Errorf("permanent failure = %+v, want failed with the error", got)
	}

	if got := claim(t, s, "w", 10, lease, retryAt.Add(-time.Microsecond)); len(got) != 0 {
		t.Errorf("claim before RetryAt = %v, want none", wbIDs(got))
	}
	again := claim(t, s, "w2", 10, lease, retryAt)
	if len(again) != 1 || again[0].ID != retried.ID || again[0].Attempts != 2 || again[0].LastError != "xsoar: HTTP 503" {
		t.Fatalf("claim at RetryAt = %+v, want only %s, attempt 2, with its last error", again, retried.ID)
	}
	got = finish(t, s, retried.ID, "w2", store.WriteBackOutcome{Delivered: true, RemoteID: "13@2"}, retryAt.Add(time.Second))
	if got.Status != store.WriteBackDelivered || got.Attempts != 2 || got.LastError != "xsoar: HTTP 503" {
		t.Errorf("delivered on retry = %+v, want delivered after 2 attempts, the earlier error kept", got)
	}
	if got := claim(t, s, "w", 10, lease, t0.Add(1000*time.Hour)); len(got) != 0 {
		t.Errorf("delivered and failed write-backs were claimed again: %v", wbIDs(got))
	}

	// An outcome without RetryAt is due at once; a huge error is cut.
	wb := enqueue(t, s, *newWriteBack("4"))
	claim(t, s, "w", 10, lease, t0)
	got = finish(t, s, wb.ID, "w", store.WriteBackOutcome{Err: strings.Repeat("<html>", 10000)}, t1)
	if !got.NextAttemptAt.Equal(t1) || len(got.LastError) > 8<<10 || !utf8.ValidString(got.LastError) {
		t.Errorf("retry without RetryAt: due %v (want %v), error of %d bytes (want it bounded)", got.NextAttemptAt, t1, len(got.LastError))
	}
}

// testWriteBackInterrupted: an attempt cut off by shutdown, or claimed and
// released before it started, gives its attempt back: the write-back is
// queued, due at once for any replica, with Attempts as before the claim
// and the last real error kept.
func testWriteBackInterrupted(t *testing.T, s store.Store) {
	t0 := time.Now().Add(time.Second).UTC().Truncate(time.Microsecond)
	const lease = time.Minute
	cut := enqueue(t, s, *newWriteBack("1"))
	unstarted := enqueue(t, s, *newWriteBack("2"))
	if got := claim(t, s, "w", 10, lease, t0); len(got) != 2 {
		t.Fatalf("claimed %v, want both", wbIDs(got))
	}
	// cut fails once for real, then its second attempt is interrupted.
	t1 := t0.Add(time.Second)
	finish(t, s, cut.ID, "w", store.WriteBackOutcome{Err: "xsoar: HTTP 503", RetryAt: t1}, t1)
	if got := claim(t, s, "w", 1, lease, t1); len(got) != 1 || got[0].ID != cut.ID || got[0].Attempts != 2 {
		t.Fatalf("second claim = %+v, want %s at attempt 2", got, cut.ID)
	}

	for _, o := range []store.WriteBackOutcome{
		{Interrupted: true, Delivered: true}, {Interrupted: true, Permanent: true},
		{Interrupted: true, RemoteID: "1@1"}, {Interrupted: true, Result: []byte(`{}`)},
	} {
		if _, err := s.FinishWriteBack(ctx(t), cut.ID, "w", o, t1); err == nil {
			t.Errorf("FinishWriteBack(%+v) succeeded, want an error: an interrupted attempt is not delivered, failed or produced", o)
		}
	}
	if cur := getWriteBack(t, s, cut.ID); cur.Status != store.WriteBackDelivering || cur.Attempts != 2 {
		t.Errorf("after the refused outcomes: %+v, want it unchanged, delivering at attempt 2", cur)
	}

	t2 := t1.Add(2 * time.Second) // well within the lease
	got := finish(t, s, cut.ID, "w", store.WriteBackOutcome{Interrupted: true}, t2)
	if got.Status != store.WriteBackQueued || got.Attempts != 1 || !got.NextAttemptAt.Equal(t2) ||
		got.LastError != "xsoar: HTTP 503" || got.DeliveredAt != nil || got.RemoteID != "" {
		t.Errorf("interrupted = %+v, want queued, due %v, back at attempt 1, the earlier error kept", got, t2)
	}
	if diff := gocmp.Diff(got, getWriteBack(t, s, cut.ID)); diff != "" {
		t.Errorf("GetWriteBack after the interruption (-finished +got):\n%s", diff)
	}
	got = finish(t, s, unstarted.ID, "w", store.WriteBackOutcome{Interrupted: true}, t2)
	if got.Status != store.WriteBackQueued || got.Attempts != 0 || !got.NextAttemptAt.Equal(t2) || got.LastError != "" {
		t.Errorf("released before it started = %+v, want queued, due %v, no attempt, no error", got, t2)
	}
	if _, err := s.FinishWriteBack(ctx(t), cut.ID, "w", store.WriteBackOutcome{Interrupted: true}, t2); !errors.Is(err, store.ErrNotPending) {
		t.Errorf("interrupting a queued write-back: error = %v, want ErrNotPending", err)
	}

	// The lease is gone: another replica claims both at once, long before
	// w's lease would have run out, and counts its own attempts from there.
	again := claim(t, s, "other", 10, lease, t2)
	slices.SortFunc(again, func(a, b store.WriteBack) int { return cmp.Compare(a.ID, b.ID) })
	want := map[string]int{cut.ID: 2, unstarted.ID: 1}
	if len(again) != 2 {
		t.Fatalf("claim by another replica after the interruption = %v, want both", wbIDs(again))
	}
	for _, wb := range again {
		if wb.Attempts != want[wb.ID] {
			t.Errorf("%s claimed again at attempt %d, want %d", wb.ID, wb.Attempts, want[wb.ID])
		}
	}
	// The interrupted holder cannot give back an attempt it no longer holds.
	if _, err := s.FinishWriteBack(ctx(t), cut.ID, "w", store.WriteBackOutcome{Interrupted: true}, t2); !errors.Is(err, store.ErrNotPending) {
		t.Errorf("interrupting after another replica claimed it: error = %v, want ErrNotPending", err)
	}
	if cur := getWriteBack(t, s, cut.ID); cur.Attempts != 2 || cur.Status != store.WriteBackDelivering {
		t.Errorf("after the old holder's refused interruption: %+v, want delivering at attempt 2", cur)
	}
}

func testWriteBackList(t *testing.T, s store.Store) {
	for i := range 7 {
		wb := *newWriteBack([]string{"100", "200"}[i%2])
		if i%3 == 0 {
			wb.Platform = store.PlatformXDR
		}
		enqueue(t, s, wb)
	}
	t0 := time.Now().Add(time.Second)
	claimed := claim(t, s, "w", 2, time.Minute, t0) // the two oldest
	finish(t, s, claimed[0].ID, "w", store.WriteBackOutcome{Delivered: true}, t0)
	all, next, err := s.ListWriteBacks(ctx(t), store.WriteBackFilter{})
	if err != nil || len(all) != 7 || next != "" {
		t.Fatalf("ListWriteBacks() = %d write-backs, next %q, %v; want all 7", len(all), next, err)
	}
	// The documented order: newest first, and by ID among those created in
	// the same microsecond.
	if !slices.IsSortedFunc(all, func(x, y store.WriteBack) int {
		return cmp.Or(y.CreatedAt.Compare(x.CreatedAt), strings.Compare(y.ID, x.ID))
	}) {
		t.Errorf("ListWriteBacks() is not newest first: %+v", all)
	}
	if got := wbIDs(all[5:]); !slices.Equal(got, []string{claimed[1].ID, claimed[0].ID}) {
		t.Errorf("the two oldest are %v, the claim took %v", got, wbIDs(claimed))
	}
	// where lists all, in order, that match keep.
	where := func(keep func(store.WriteBack) bool) []string {
		var out []string
		for _, wb := range all {
			if keep(wb) {
				out = append(out, wb.ID)
			}
		}
		return out
	}
	status := func(st store.WriteBackStatus) func(store.WriteBack) bool {
		return func(wb store.WriteBack) bool { return wb.Status == st }
	}
	incident := func(id string) func(store.WriteBack) bool {
		return func(wb store.WriteBack) bool { return wb.IncidentID == id }
	}
	tests := []struct {
		name string
		f    store.WriteBackFilter
		want []string
	}{
		{"queued", store.WriteBackFilter{Status: store.WriteBackQueued}, where(status(store.WriteBackQueued))},
		{"delivering", store.WriteBackFilter{Status: store.WriteBackDelivering}, []string{claimed[1].ID}},
		{"delivered", store.WriteBackFilter{Status: store.WriteBackDelivered}, []string{claimed[0].ID}},
		{"incident", store.WriteBackFilter{IncidentID: "200"}, where(incident("200"))},
		{"combined", store.WriteBackFilter{Status: store.WriteBackQueued, IncidentID: "100"},
			where(func(wb store.WriteBack) bool { return status(store.WriteBackQueued)(wb) && incident("100")(wb) })},
		{"none", store.WriteBackFilter{IncidentID: "999"}, nil},
	}
	if n := len(tests[0].want); n != 5 {
		t.Fatalf("%d queued, want 5", n)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, next, err := s.ListWriteBacks(ctx(t), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := gocmp.Diff(tt.want, wbIDs(list)); diff != "" || next != "" {
				t.Errorf("ListWriteBacks(%+v) (-want +got):\n%s next=%q", tt.f, diff, next)
			}
		})
	}
	for _, f := range []store.WriteBackFilter{{Limit: 3}, {Limit: 2, IncidentID: "100"}} {
		var got []string
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 4 {
				t.Fatalf("too many pages: %v", got)
			}
			f.Cursor = cursor
			list, next, err := s.ListWriteBacks(ctx(t), f)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) > f.Limit {
				t.Fatalf("page of %d, want at most %d", len(list), f.Limit)
			}
			got = append(got, wbIDs(list)...)
			if next == "" {
				break
			}
			cursor = next
		}
		want := wbIDs(all)
		if f.IncidentID != "" {
			want = where(incident(f.IncidentID))
		}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("paged %+v (-want +got):\n%s", f, diff)
		}
	}
	newApproval(t, s, store.Approval{})
	newApproval(t, s, store.Approval{})
	_, approvalCursor, _ := s.ListApprovals(ctx(t), store.ApprovalFilter{Limit: 1})
	for _, bad := range []string{"!!", approvalCursor} {
		if _, _, err := s.ListWriteBacks(ctx(t), store.WriteBackFilter{Cursor: bad}); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("cursor %q: error = %v, want ErrInvalidCursor", bad, err)
		}
	}
}

// testSharedWriteBacks has four claimers, two on each instance, drain one
// queue: every write-back is claimed and delivered exactly once.
func testSharedWriteBacks(t *testing.T, a, b store.Store) {
	stores := []store.Store{a, b}
	const n = 200
	want := map[string]bool{}
	for i := range n {
		var id string
		if i%2 == 0 {
			id = enqueue(t, stores[i%4/2], *newWriteBack(fmt.Sprint(i))).ID
		} else {
			r := record(i)
			r.WriteBack = newWriteBack(fmt.Sprint(i))
			got, err := stores[i%4/2].AppendAudit(ctx(t), r)
			if err != nil {
				t.Fatal(err)
			}
			id = got.WriteBackID
		}
		want[id] = true
	}

	var mu sync.Mutex
	claims := map[string][]string{} // write-back → owners that claimed it
	errs := make([]error, 4)
	concurrently(4, func(i int) {
		s, owner := stores[i%2], fmt.Sprintf("replica-%d", i)
		for {
			// The lease outlasts the test: a claim here is never a takeover.
			got, err := s.ClaimWriteBacks(ctx(t), owner, 7, time.Hour, time.Now().Add(time.Second))
			if err != nil {
				errs[i] = err
				return
			}
			if len(got) == 0 {
				return
			}
			for _, wb := range got {
				mu.Lock()
				claims[wb.ID] = append(claims[wb.ID], owner)
				mu.Unlock()
				if _, err := s.FinishWriteBack(ctx(t), wb.ID, owner, store.WriteBackOutcome{Delivered: true}, time.Now()); err != nil {
					errs[i] = err
					return
				}
			}
		}
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	perOwner := map[string]int{}
	for id, owners := range claims {
		if !want[id] {
			t.Errorf("claimed %s, which was never queued", id)
		}
		if len(owners) != 1 {
			t.Errorf("write-back %s was claimed %d times, by %v", id, len(owners), owners)
		}
		perOwner[owners[0]]++
	}
	if len(claims) != n {
		t.Errorf("%d write-backs claimed, want all %d", len(claims), n)
	}
	t.Logf("claims per owner: %v", perOwner)
	for _, s := range stores {
		list, _, err := s.ListWriteBacks(ctx(t), store.WriteBackFilter{Status: store.WriteBackDelivered, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != n {
			t.Errorf("%d delivered, want %d", len(list), n)
		}
		for _, wb := range list {
			if wb.Attempts != 1 {
				t.Errorf("write-back %s took %d attempts, want 1", wb.ID, wb.Attempts)
			}
		}
	}
	if v := verify(t, a); !v.OK || v.Checked != n/2 {
		t.Errorf("VerifyAudit = %+v, want OK with %d checked", v, n/2)
	}
}

// testWriteBackPutOff: an attempt put off (what it needs is not there yet)
// gives its attempt back too, due when it said, with why.
func testWriteBackPutOff(t *testing.T, s store.Store) {
	wb := enqueue(t, s, *newWriteBack("put-off"))
	t0 := time.Now().Add(time.Second).UTC().Truncate(time.Microsecond)
	if got := claim(t, s, "w", 10, time.Minute, t0); len(got) != 1 || got[0].ID != wb.ID {
		t.Fatalf("claimed %v, want %s", wbIDs(got), wb.ID)
	}
	due := t0.Add(time.Hour)
	got := finish(t, s, wb.ID, "w", store.WriteBackOutcome{Interrupted: true, RetryAt: due, Err: "waiting: for wb_x"}, t0)
	if got.Status != store.WriteBackQueued || got.Attempts != 0 || !got.NextAttemptAt.Equal(due) || got.LastError != "waiting: for wb_x" {
		t.Errorf("put off = %+v, want queued, due in an hour, attempt given back, with why", got)
	}
}
