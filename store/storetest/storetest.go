// Package storetest is the conformance suite every store.Store backend must
// pass. The same rules hold on SQLite and PostgreSQL, so the same tests run
// against both.
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcmd/idcmd/store"
)

// Tamperer is implemented by stores built for tests (store's tamper_test.go).
// It changes the audit table behind the store's back, as someone with write
// access to the database could, so the suite can check VerifyAudit catches
// it. Without it the tampering tests are skipped.
type Tamperer interface {
	// TamperAuditForTest sets column of record seq to value, bypassing the
	// append-only triggers.
	TamperAuditForTest(ctx context.Context, seq int64, column, value string) error
	// DeleteAuditForTest deletes record seq, bypassing the triggers.
	DeleteAuditForTest(ctx context.Context, seq int64) error
	// ExecForTest runs statement as is, triggers intact.
	ExecForTest(ctx context.Context, statement string) error
	// SetAuditAnchorForTest sets the audit anchor, bypassing its triggers.
	SetAuditAnchorForTest(ctx context.Context, seq int64, hash string) error
}

// Opener returns a new, empty store for one test and arranges its Close.
type Opener func(t *testing.T) store.Store

// Run runs the suite, each test on a fresh store from open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"AuditChain", testAuditChain},
		{"AuditKeepsFieldsExactly", testAuditKeepsFieldsExactly},
		{"AuditRejectsInvalidJSON", testAuditRejectsInvalidJSON},
		{"AuditVerifyEmpty", testAuditVerifyEmpty},
		{"AuditVerifyDetectsAlteredRecord", testAuditVerifyDetectsAlteredRecord},
		{"AuditVerifyDetectsRewrittenHash", testAuditVerifyDetectsRewrittenHash},
		{"AuditVerifyDetectsDeletedRecord", testAuditVerifyDetectsDeletedRecord},
		{"AuditVerifyDetectsDeletedTail", testAuditVerifyDetectsDeletedTail},
		{"AuditAppendOnly", testAuditAppendOnly},
		{"AuditListFilters", testAuditListFilters},
		{"AuditListPaging", testAuditListPaging},
		{"AuditConcurrentAppends", testAuditConcurrentAppends},
		{"AuditAppendLater", testAuditAppendLater},
		{"IdempotencyNewThenReplay", testIdemNewThenReplay},
		{"IdempotencyMismatch", testIdemMismatch},
		{"IdempotencyInProgress", testIdemInProgress},
		{"IdempotencyScopedBySubject", testIdemScopedBySubject},
		{"IdempotencyExpiry", testIdemExpiry},
		{"IdempotencyRelease", testIdemRelease},
		{"IdempotencyPurge", testIdemPurge},
		{"IdempotencyConcurrentBegins", testIdemConcurrentBegins},
		{"ApprovalCreateGet", testApprovalCreateGet},
		{"ApprovalList", testApprovalList},
		{"ApprovalDecide", testApprovalDecide},
		{"ApprovalSelfApproval", testApprovalSelfApproval},
		{"ApprovalConcurrentDecisions", testApprovalConcurrentDecisions},
		{"ApprovalRunOnce", testApprovalRunOnce},
		{"ApprovalCancel", testApprovalCancel},
		{"ApprovalExpiry", testApprovalExpiry},
		{"WriteBackWithAudit", testWriteBackWithAudit},
		{"WriteBackAtomicWithAudit", testWriteBackAtomicWithAudit},
		{"WriteBackBounds", testWriteBackBounds},
		{"WriteBackEnqueue", testWriteBackEnqueue},
		{"WriteBackClaim", testWriteBackClaim},
		{"WriteBackLeaseExpiry", testWriteBackLeaseExpiry},
		{"WriteBackFinish", testWriteBackFinish},
		{"WriteBackInterrupted", testWriteBackInterrupted},
		{"WriteBackList", testWriteBackList},
	}
	tests = append(tests, retentionTests...)
	tests = append(tests, eventTests...)
	tests = append(tests, decisionTests...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// RunShared checks that two Store instances on one database — two idcmd
// processes, or two replicas on one PostgreSQL — honour one idempotency key,
// one approval decision, one audit chain and one delivery per write-back.
// open returns both instances, opened separately on the same fresh database.
func RunShared(t *testing.T, open func(t *testing.T) (store.Store, store.Store)) {
	t.Run("IdempotencyKey", func(t *testing.T) {
		a, b := open(t)
		testSharedIdempotency(t, a, b)
	})
	t.Run("ApprovalDecision", func(t *testing.T) {
		a, b := open(t)
		testSharedApproval(t, a, b)
	})
	t.Run("AuditChain", func(t *testing.T) {
		a, b := open(t)
		testSharedAudit(t, a, b)
	})
	t.Run("WriteBackClaims", func(t *testing.T) {
		a, b := open(t)
		testSharedWriteBacks(t, a, b)
	})
	t.Run("Lease", func(t *testing.T) {
		a, b := open(t)
		testSharedLease(t, a, b)
	})
	t.Run("AuditPruneOneDirectory", func(t *testing.T) {
		a, b := open(t)
		testSharedAuditPrune(t, a, b, true)
	})
	t.Run("AuditPruneTwoDirectories", func(t *testing.T) {
		a, b := open(t)
		testSharedAuditPrune(t, a, b, false)
	})
}

// concurrently runs fn(i) for i in [0, n) at once and waits for all.
func concurrently(n int, fn func(i int)) {
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			fn(i)
		}()
	}
	start.Done()
	done.Wait()
}

func ctx(t *testing.T) context.Context { return t.Context() }

func record(i int) store.AuditRecord {
	return store.AuditRecord{
		RequestID:  fmt.Sprintf("req-%d", i),
		Subject:    "analyst@example.com",
		Command:    "okta-suspend-user",
		Args:       json.RawMessage(fmt.Sprintf(`{"user":"user%d@example.com"}`, i)),
		TargetUser: fmt.Sprintf("user%d@example.com", i),
		Outcome:    "success",
		DurationMS: int64(i),
	}
}

func appendN(t *testing.T, s store.Store, n int) []store.AuditRecord {
	t.Helper()
	var out []store.AuditRecord
	for i := range n {
		r, err := s.AppendAudit(ctx(t), record(i))
		if err != nil {
			t.Fatalf("AppendAudit %d: %v", i, err)
		}
		out = append(out, r)
	}
	return out
}

func verify(t *testing.T, s store.Store) store.AuditVerification {
	t.Helper()
	v, err := s.VerifyAudit(ctx(t))
	if err != nil {
		t.Fatalf("VerifyAudit: %v", err)
	}
	return v
}

func wantBroken(t *testing.T, s store.Store, seq int64) {
	t.Helper()
	v := verify(t, s)
	if v.OK || v.FirstBroken != seq || v.Reason == "" {
		t.Fatalf("VerifyAudit = %+v, want broken at %d with a reason", v, seq)
	}
	t.Logf("VerifyAudit reason: %s", v.Reason)
}

func tamperer(t *testing.T, s store.Store) Tamperer {
	t.Helper()
	tp, ok := s.(Tamperer)
	if !ok {
		t.Skipf("%T has no test hooks to tamper with the audit table", s)
	}
	return tp
}

func testAuditChain(t *testing.T, s store.Store) {
	recs := appendN(t, s, 5)
	prev := "0000000000000000000000000000000000000000000000000000000000000000"
	for i, r := range recs {
		if r.Seq != int64(i+1) {
			t.Errorf("record %d: Seq = %d, want %d", i, r.Seq, i+1)
		}
		if r.PrevHash != prev {
			t.Errorf("record %d: PrevHash = %q, want %q", r.Seq, r.PrevHash, prev)
		}
		if want := specHash(r); r.Hash != want {
			t.Errorf("record %d: Hash = %q, want %q as documented", r.Seq, r.Hash, want)
		}
		if r.Time.IsZero() || r.Time.Location() != time.UTC {
			t.Errorf("record %d: Time = %v, want the append time in UTC", r.Seq, r.Time)
		}
		got, err := s.GetAudit(ctx(t), r.Seq)
		if err != nil {
			t.Fatalf("GetAudit(%d): %v", r.Seq, err)
		}
		if diff := cmp.Diff(r, got); diff != "" {
			t.Errorf("GetAudit(%d) differs from what AppendAudit returned (-append +get):\n%s", r.Seq, diff)
		}
		prev = r.Hash
	}
	if v := verify(t, s); !v.OK || v.Checked != 5 || v.Head != recs[4].Hash {
		t.Errorf("VerifyAudit = %+v, want OK, 5 checked, head %s", v, recs[4].Hash)
	}
	if _, err := s.GetAudit(ctx(t), 6); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetAudit(6) error = %v, want ErrNotFound", err)
	}
}

func testAuditKeepsFieldsExactly(t *testing.T, s store.Store) {
	in := store.AuditRecord{
		Time:           time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("CEST", 2*3600)),
		RequestID:      "req-1",
		Subject:        "soar@example.com",
		Command:        "okta-clear-user-sessions",
		Args:           json.RawMessage(`{ "user" : "jdoe",  "oauth_tokens": true }`),
		Incident:       json.RawMessage(`{"platform":"xsoar","id":"4711","investigation_id":"4711"}`),
		TargetUser:     "jdoe",
		Outcome:        "provider_error",
		ProviderStatus: 404,
		ProviderCode:   "E0000007",
		Detail:         "Not found: Resource not found: jdoe (User) ünïcode",
		DurationMS:     1234,
		IdempotencyKey: "key-1",
		ApprovalID:     "apr_abc",
		Approver:       "lead@example.com",
		RequestedAs:    "clear-sessions",
	}
	got, err := s.AppendAudit(ctx(t), in)
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.Seq, want.PrevHash, want.Hash = got.Seq, got.PrevHash, got.Hash
	// Times are kept in UTC to the microsecond, PostgreSQL's precision.
	want.Time = time.Date(2024, 5, 6, 5, 8, 9, 123456000, time.UTC)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AppendAudit returned (-want +got):\n%s", diff)
	}
	if h := specHash(want); got.Hash != h {
		t.Errorf("Hash = %s, want %s as documented", got.Hash, h)
	}
	stored, err := s.GetAudit(ctx(t), got.Seq)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, stored); diff != "" {
		t.Errorf("GetAudit (-want +got):\n%s", diff)
	}
	if v := verify(t, s); !v.OK {
		t.Errorf("VerifyAudit = %+v, want OK", v)
	}

	// Text PostgreSQL cannot store is cleaned the same way on every backend.
	r, err := s.AppendAudit(ctx(t), store.AuditRecord{Command: "c", Outcome: "error", Detail: "bad\x00byte\xff"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Detail != "bad\uFFFDbyte\uFFFD" {
		t.Errorf("Detail = %q, want NUL and invalid UTF-8 replaced", r.Detail)
	}
	if v := verify(t, s); !v.OK {
		t.Errorf("VerifyAudit = %+v, want OK", v)
	}
}

func testAuditRejectsInvalidJSON(t *testing.T, s store.Store) {
	for _, r := range []store.AuditRecord{
		{Command: "c", Outcome: "success", Args: json.RawMessage(`{"user":`)},
		{Command: "c", Outcome: "success", Incident: json.RawMessage(`not json`)},
	} {
		if _, err := s.AppendAudit(ctx(t), r); err == nil {
			t.Errorf("AppendAudit(%s / %s) succeeded, want an error", r.Args, r.Incident)
		}
	}
	// A refused record leaves no gap.
	if r, err := s.AppendAudit(ctx(t), record(1)); err != nil || r.Seq != 1 {
		t.Errorf("AppendAudit after refusals = %d, %v; want Seq 1", r.Seq, err)
	}
}

// testAuditAppendLater: a record appended later joins the same chain as the
// ones appended and waited for, each done is called once with nil once its
// record is committed, and a record that cannot be stored is refused at once
// (done never called, no gap), as is one carrying a write-back.
func testAuditAppendLater(t *testing.T, s store.Store) {
	const callers, each = 32, 8
	var mu sync.Mutex
	calls := map[string]int{}
	var pending sync.WaitGroup
	concurrently(callers, func(c int) {
		for j := range each {
			i := c*each + j
			if j%2 == 0 {
				if _, err := s.AppendAudit(ctx(t), record(i)); err != nil {
					t.Errorf("AppendAudit %d: %v", i, err)
				}
				continue
			}
			r := record(i)
			pending.Add(1)
			err := s.AppendAuditLater(r, func(err error) {
				defer pending.Done()
				if err != nil {
					t.Errorf("AppendAuditLater %d: done(%v), want nil", i, err)
				}
				mu.Lock()
				calls[r.RequestID]++
				mu.Unlock()
			})
			if err != nil {
				pending.Done()
				t.Errorf("AppendAuditLater %d: %v", i, err)
			}
		}
	})
	pending.Wait()
	for id, n := range calls {
		if n != 1 {
			t.Errorf("done of %s called %d times, want once", id, n)
		}
	}
	if len(calls) != callers*each/2 {
		t.Errorf("%d dones called, want %d", len(calls), callers*each/2)
	}
	// Every record is committed once done is called.
	recs, _, err := s.ListAudit(ctx(t), store.AuditFilter{Limit: 1000})
	if err != nil || len(recs) != callers*each {
		t.Fatalf("ListAudit = %d records, %v; want %d", len(recs), err, callers*each)
	}
	if v := verify(t, s); !v.OK || v.Checked != callers*each {
		t.Errorf("VerifyAudit = %+v, want all %d records OK", v, callers*each)
	}
	never := func(err error) { t.Errorf("done called (%v) for a refused record", err) }
	bad := record(0)
	bad.Args = json.RawMessage(`{"user":`)
	if err := s.AppendAuditLater(bad, never); err == nil {
		t.Error("AppendAuditLater of invalid args succeeded, want an error")
	}
	wb := record(0)
	wb.Incident = json.RawMessage(`{"id":"4711"}`)
	wb.WriteBack = &store.WriteBack{Platform: store.PlatformXSOAR, IncidentID: "4711", Markdown: "x"}
	if err := s.AppendAuditLater(wb, never); err == nil {
		t.Error("AppendAuditLater with a write-back succeeded, want an error: its queueing must be acknowledged")
	}
	if r, err := s.AppendAudit(ctx(t), record(1)); err != nil || r.Seq != callers*each+1 {
		t.Errorf("AppendAudit after refusals = %d, %v; want Seq %d (no gap)", r.Seq, err, callers*each+1)
	}
}

func testAuditVerifyEmpty(t *testing.T, s store.Store) {
	if v := verify(t, s); !v.OK || v.Checked != 0 {
		t.Errorf("VerifyAudit on an empty log = %+v, want OK with 0 checked", v)
	}
}

func testAuditVerifyDetectsAlteredRecord(t *testing.T, s store.Store) {
	tp := tamperer(t, s)
	appendN(t, s, 5)
	if err := tp.TamperAuditForTest(ctx(t), 3, "detail", "nothing to see here"); err != nil {
		t.Fatal(err)
	}
	wantBroken(t, s, 3)
}

// A tamperer who also recomputes the altered record's hash breaks the link
// from the next record instead.
func testAuditVerifyDetectsRewrittenHash(t *testing.T, s store.Store) {
	tp := tamperer(t, s)
	recs := appendN(t, s, 5)
	altered := recs[1]
	altered.Detail = "nothing to see here"
	if err := tp.TamperAuditForTest(ctx(t), 2, "detail", altered.Detail); err != nil {
		t.Fatal(err)
	}
	if err := tp.TamperAuditForTest(ctx(t), 2, "hash", specHash(altered)); err != nil {
		t.Fatal(err)
	}
	wantBroken(t, s, 3)
	if err := tp.TamperAuditForTest(ctx(t), 1, "prev_hash", strings.Repeat("1", 64)); err != nil {
		t.Fatal(err)
	}
	wantBroken(t, s, 1) // the first broken record is named, not the last
}

// specHash computes Hash exactly as AuditRecord's documentation specifies,
// independently of the store, so the documented encoding is the real one.
func specHash(r store.AuditRecord) string {
	h := sha256.New()
	field := func(b []byte) {
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(b))))
		h.Write(b)
	}
	for _, f := range []string{
		"idcmd-audit-v1", r.PrevHash, strconv.FormatInt(r.Seq, 10), r.Time.UTC().Format(time.RFC3339Nano),
		r.RequestID, r.Subject, r.Command, string(r.Args), string(r.Incident), r.TargetUser, r.Outcome,
		strconv.Itoa(r.ProviderStatus), r.ProviderCode, r.Detail, strconv.FormatInt(r.DurationMS, 10),
		r.IdempotencyKey, r.ApprovalID, r.Approver,
	} {
		field([]byte(f))
	}
	if r.RequestedAs != "" {
		field([]byte(r.RequestedAs))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func testAuditVerifyDetectsDeletedRecord(t *testing.T, s store.Store) {
	tp := tamperer(t, s)
	appendN(t, s, 5)
	if err := tp.DeleteAuditForTest(ctx(t), 2); err != nil {
		t.Fatal(err)
	}
	wantBroken(t, s, 2)
}

func testAuditVerifyDetectsDeletedTail(t *testing.T, s store.Store) {
	tp := tamperer(t, s)
	appendN(t, s, 5)
	if err := tp.DeleteAuditForTest(ctx(t), 5); err != nil {
		t.Fatal(err)
	}
	wantBroken(t, s, 5)
}

func testAuditAppendOnly(t *testing.T, s store.Store) {
	tp := tamperer(t, s)
	appendN(t, s, 2)
	for _, stmt := range []string{
		"UPDATE audit SET detail = 'x' WHERE seq = 1",
		"DELETE FROM audit WHERE seq = 2",
	} {
		if err := tp.ExecForTest(ctx(t), stmt); err == nil {
			t.Errorf("%s succeeded, want the append-only trigger to refuse it", stmt)
		}
	}
	if v := verify(t, s); !v.OK || v.Checked != 2 {
		t.Errorf("VerifyAudit = %+v, want OK with 2 checked", v)
	}
}

func testAuditListFilters(t *testing.T, s store.Store) {
	base := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	in := []store.AuditRecord{
		{Command: "okta-suspend-user", Subject: "alice", TargetUser: "u1", Outcome: "success",
			Incident: json.RawMessage(`{"platform":"xsoar","id":"100"}`)},
		{Command: "okta-suspend-user", Subject: "bob", TargetUser: "u2", Outcome: "provider_error",
			Incident: json.RawMessage(`{"platform":"xdr","id":200}`)},
		{Command: "pingone-lock-user", Subject: "alice", TargetUser: "u1", Outcome: "rejected"},
		{Command: "okta-get-user", Subject: "bob", TargetUser: "u3", Outcome: "success",
			Incident: json.RawMessage(`{"platform":"xsoar","id":"100"}`)},
		{Command: "pingone-lock-user", Subject: "carol", TargetUser: "u2", Outcome: "pending_approval", RequestedAs: "lock-user"},
	}
	for i := range in {
		in[i].Time = base.Add(time.Duration(i) * time.Hour)
		if _, err := s.AppendAudit(ctx(t), in[i]); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		f    store.AuditFilter
		want []int64
	}{
		{"all", store.AuditFilter{}, []int64{5, 4, 3, 2, 1}},
		{"command", store.AuditFilter{Command: "okta-suspend-user"}, []int64{2, 1}},
		{"command done", store.AuditFilter{Command: "pingone-lock-user"}, []int64{5, 3}},
		{"command requested as", store.AuditFilter{Command: "lock-user"}, []int64{5}},
		{"subject", store.AuditFilter{Subject: "alice"}, []int64{3, 1}},
		{"target user", store.AuditFilter{TargetUser: "u2"}, []int64{5, 2}},
		{"incident id", store.AuditFilter{IncidentID: "100"}, []int64{4, 1}},
		{"numeric incident id", store.AuditFilter{IncidentID: "200"}, []int64{2}},
		{"outcome", store.AuditFilter{Outcome: "success"}, []int64{4, 1}},
		{"since", store.AuditFilter{Since: base.Add(3 * time.Hour)}, []int64{5, 4}},
		{"until", store.AuditFilter{Until: base.Add(2 * time.Hour)}, []int64{2, 1}},
		{"range", store.AuditFilter{Since: base.Add(time.Hour), Until: base.Add(3 * time.Hour)}, []int64{3, 2}},
		{"combined", store.AuditFilter{Subject: "bob", Outcome: "success"}, []int64{4}},
		{"none", store.AuditFilter{Command: "nope"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, next, err := s.ListAudit(ctx(t), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, seqs(recs)); diff != "" || next != "" {
				t.Errorf("ListAudit(%+v) seqs (-want +got):\n%s next=%q", tt.f, diff, next)
			}
		})
	}
}

func seqs(recs []store.AuditRecord) []int64 {
	var out []int64
	for _, r := range recs {
		out = append(out, r.Seq)
	}
	return out
}

func testAuditListPaging(t *testing.T, s store.Store) {
	appendN(t, s, 7)
	var got []int64
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatalf("too many pages: %v", got)
		}
		recs, next, err := s.ListAudit(ctx(t), store.AuditFilter{Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) > 3 {
			t.Fatalf("page of %d records, want at most 3", len(recs))
		}
		got = append(got, seqs(recs)...)
		if next == "" {
			break
		}
		cursor = next
	}
	if diff := cmp.Diff([]int64{7, 6, 5, 4, 3, 2, 1}, got); diff != "" {
		t.Errorf("paged seqs (-want +got):\n%s", diff)
	}
	// Paging composes with filters.
	recs, next, err := s.ListAudit(ctx(t), store.AuditFilter{Command: "okta-suspend-user", Limit: 4})
	if err != nil || len(recs) != 4 || next == "" {
		t.Fatalf("filtered first page: %d records, next %q, %v", len(recs), next, err)
	}
	for _, bad := range []string{"!!", "eA", "cHwxfHg"} {
		if _, _, err := s.ListAudit(ctx(t), store.AuditFilter{Cursor: bad}); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("cursor %q: error = %v, want ErrInvalidCursor", bad, err)
		}
	}
	// The default page is 50 and the largest 500.
	appendN(t, s, 50)
	if recs, next, _ := s.ListAudit(ctx(t), store.AuditFilter{}); len(recs) != 50 || next == "" {
		t.Errorf("default page: %d records, next %q; want 50 and a cursor", len(recs), next)
	}
	if recs, next, _ := s.ListAudit(ctx(t), store.AuditFilter{Limit: 100000}); len(recs) != 57 || next != "" {
		t.Errorf("huge limit: %d records, next %q; want all 57 and no cursor", len(recs), next)
	}
}

func testAuditConcurrentAppends(t *testing.T, s store.Store) {
	const n = 64
	got := make([]store.AuditRecord, n)
	errs := make([]error, n)
	concurrently(n, func(i int) { got[i], errs[i] = s.AppendAudit(ctx(t), record(i)) })
	for i, err := range errs {
		if err != nil {
			t.Fatalf("AppendAudit %d: %v", i, err)
		}
	}
	byPrev := map[string]int64{}
	var all []int64
	for _, r := range got {
		all = append(all, r.Seq)
		byPrev[r.PrevHash] = r.Seq
	}
	slices.Sort(all)
	for i, seq := range all {
		if seq != int64(i+1) {
			t.Fatalf("seqs = %v, want 1..%d without gaps or duplicates", all, n)
		}
	}
	if len(byPrev) != n {
		t.Errorf("%d distinct PrevHash values, want %d: two records link to the same predecessor", len(byPrev), n)
	}
	if v := verify(t, s); !v.OK || v.Checked != n {
		t.Errorf("VerifyAudit = %+v, want OK with %d checked", v, n)
	}
}

var key = store.IdemKey{Subject: "soar", Key: "k-1", Command: "okta-suspend-user"}

func begin(t *testing.T, s store.Store, k store.IdemKey, hash string, ttl time.Duration) store.IdemClaim {
	t.Helper()
	c, err := s.BeginIdempotent(ctx(t), k, hash, ttl)
	if err != nil {
		t.Fatalf("BeginIdempotent(%+v): %v", k, err)
	}
	return c
}

func wantState(t *testing.T, c store.IdemClaim, want store.IdemState) {
	t.Helper()
	if c.State != want {
		t.Fatalf("claim state = %q, want %q", c.State, want)
	}
}

func testIdemNewThenReplay(t *testing.T, s store.Store) {
	wantState(t, begin(t, s, key, "h1", time.Hour), store.IdemNew)
	resp := store.StoredResponse{
		Status: 200,
		Header: map[string]string{"Content-Type": "application/json", "X-Request-Id": "req-1"},
		Body:   []byte(`{"outputs":{"id":"00u1"}}`),
	}
	if err := s.CompleteIdempotent(ctx(t), key, resp); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		c := begin(t, s, key, "h1", time.Hour)
		wantState(t, c, store.IdemReplay)
		if diff := cmp.Diff(resp, c.Response); diff != "" {
			t.Errorf("replayed response (-stored +replayed):\n%s", diff)
		}
	}
	if err := s.CompleteIdempotent(ctx(t), key, resp); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second CompleteIdempotent error = %v, want ErrNotFound", err)
	}

	// An empty response replays as one.
	k2 := key
	k2.Key = "k-2"
	wantState(t, begin(t, s, k2, "h", time.Hour), store.IdemNew)
	if err := s.CompleteIdempotent(ctx(t), k2, store.StoredResponse{Status: 204}); err != nil {
		t.Fatal(err)
	}
	c := begin(t, s, k2, "h", time.Hour)
	if diff := cmp.Diff(store.StoredResponse{Status: 204}, c.Response); c.State != store.IdemReplay || diff != "" {
		t.Errorf("replay of an empty response: %q %s", c.State, diff)
	}
}

func testIdemMismatch(t *testing.T, s store.Store) {
	wantState(t, begin(t, s, key, "h1", time.Hour), store.IdemNew)
	wantState(t, begin(t, s, key, "h2", time.Hour), store.IdemMismatch)
	other := key
	other.Command = "okta-unsuspend-user"
	wantState(t, begin(t, s, other, "h1", time.Hour), store.IdemMismatch)
	if err := s.CompleteIdempotent(ctx(t), key, store.StoredResponse{Status: 200}); err != nil {
		t.Fatal(err)
	}
	wantState(t, begin(t, s, key, "h2", time.Hour), store.IdemMismatch)
	wantState(t, begin(t, s, key, "h1", time.Hour), store.IdemReplay)
}

func testIdemInProgress(t *testing.T, s store.Store) {
	wantState(t, begin(t, s, key, "h1", time.Hour), store.IdemNew)
	wantState(t, begin(t, s, key, "h1", time.Hour), store.IdemInProgress)
	wantState(t, begin(t, s, key, "h1", time.Hour), store.IdemInProgress)
}

func testIdemScopedBySubject(t *testing.T, s store.Store) {
	wantState(t, begin(t, s, key, "h1", time.Hour), store.IdemNew)
	other := key
	other.Subject = "someone-else"
	wantState(t, begin(t, s, other, "h2", time.Hour), store.IdemNew)
}

// Expiry is tested without waiting: a key is older than any ttl shorter
// than the time since it was stored, and a nanosecond always is.
func testIdemExpiry(t *testing.T, s store.Store) {
	wantState(t, begin(t, s, key, "h1", time.Hour), store.IdemNew)
	wantState(t, begin(t, s, key, "h1", 24*time.Hour), store.IdemInProgress)
	// Expired while in progress: replaced, even by a different request.
	wantState(t, begin(t, s, key, "h2", time.Nanosecond), store.IdemNew)
	wantState(t, begin(t, s, key, "h2", time.Hour), store.IdemInProgress)
	if err := s.CompleteIdempotent(ctx(t), key, store.StoredResponse{Status: 200}); err != nil {
		t.Fatal(err)
	}
	wantState(t, begin(t, s, key, "h2", time.Hour), store.IdemReplay)
	// Expired after completion: runs again.
	wantState(t, begin(t, s, key, "h2", time.Nanosecond), store.IdemNew)
	wantState(t, begin(t, s, key, "h2", time.Hour), store.IdemInProgress)

	if _, err := s.BeginIdempotent(ctx(t), key, "h", 0); err == nil {
		t.Error("BeginIdempotent with ttl 0 succeeded, want an error")
	}
}

func testIdemRelease(t *testing.T, s store.Store) {
	wantState(t, begin(t, s, key, "h1", time.Hour), store.IdemNew)
	if err := s.ReleaseIdempotent(ctx(t), key); err != nil {
		t.Fatal(err)
	}
	// The retry runs, and may even be a different request.
	wantState(t, begin(t, s, key, "h2", time.Hour), store.IdemNew)
	if err := s.CompleteIdempotent(ctx(t), key, store.StoredResponse{Status: 200}); err != nil {
		t.Fatal(err)
	}
	// A completed key cannot be released: its response stands.
	if err := s.ReleaseIdempotent(ctx(t), key); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ReleaseIdempotent of a completed key: error = %v, want ErrNotFound", err)
	}
	wantState(t, begin(t, s, key, "h2", time.Hour), store.IdemReplay)
	unknown := store.IdemKey{Subject: "soar", Key: "never-used"}
	if err := s.ReleaseIdempotent(ctx(t), unknown); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ReleaseIdempotent of an unknown key: error = %v, want ErrNotFound", err)
	}
	if err := s.CompleteIdempotent(ctx(t), unknown, store.StoredResponse{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CompleteIdempotent of an unknown key: error = %v, want ErrNotFound", err)
	}
}

func testIdemPurge(t *testing.T, s store.Store) {
	for i := range 3 {
		k := key
		k.Key = fmt.Sprintf("k-%d", i)
		wantState(t, begin(t, s, k, "h", time.Hour), store.IdemNew)
	}
	n, err := s.PurgeIdempotent(ctx(t), time.Now().Add(-time.Hour))
	if err != nil || n != 0 {
		t.Fatalf("PurgeIdempotent(an hour ago) = %d, %v; want 0", n, err)
	}
	n, err = s.PurgeIdempotent(ctx(t), time.Now().Add(time.Minute))
	if err != nil || n != 3 {
		t.Fatalf("PurgeIdempotent(in a minute) = %d, %v; want 3", n, err)
	}
	wantState(t, begin(t, s, key, "other", time.Hour), store.IdemNew)
}

func testIdemConcurrentBegins(t *testing.T, s store.Store) {
	for round := range 10 {
		k := key
		k.Key = fmt.Sprintf("race-%d", round)
		states := make([]store.IdemState, 8)
		errs := make([]error, 8)
		concurrently(8, func(i int) {
			var c store.IdemClaim
			c, errs[i] = s.BeginIdempotent(ctx(t), k, "h", time.Hour)
			states[i] = c.State
		})
		countStates(t, states, errs)
	}
}

// countStates fails unless exactly one claim is new and the others are in
// progress.
func countStates(t *testing.T, states []store.IdemState, errs []error) {
	t.Helper()
	counts := map[store.IdemState]int{}
	for i, st := range states {
		if errs[i] != nil {
			t.Fatalf("BeginIdempotent: %v", errs[i])
		}
		counts[st]++
	}
	if counts[store.IdemNew] != 1 || counts[store.IdemInProgress] != len(states)-1 {
		t.Fatalf("concurrent begins: %v, want exactly one new and the rest in progress", counts)
	}
}

func newApproval(t *testing.T, s store.Store, a store.Approval) store.Approval {
	t.Helper()
	if a.Command == "" {
		a.Command = "okta-suspend-user"
	}
	if a.Requester == "" {
		a.Requester = "alice"
	}
	got, err := s.CreateApproval(ctx(t), a)
	if err != nil {
		t.Fatalf("CreateApproval: %v", err)
	}
	return got
}

func getApproval(t *testing.T, s store.Store, id string) store.Approval {
	t.Helper()
	a, err := s.GetApproval(ctx(t), id)
	if err != nil {
		t.Fatalf("GetApproval(%s): %v", id, err)
	}
	return a
}

func testApprovalCreateGet(t *testing.T, s store.Store) {
	in := store.Approval{
		ID:        "ignored",
		Status:    store.ApprovalApproved, // ignored: a new approval is pending
		Command:   "okta-suspend-user",
		Args:      json.RawMessage(`{"user":"jdoe"}`),
		Incident:  json.RawMessage(`{"platform":"xsoar","id":"7"}`),
		Requester: "alice",
		RequestID: "req-9",
		Reason:    "phishing, user clicked",
	}
	a := newApproval(t, s, in)
	if len(a.ID) != 24 || a.ID[:4] != "apr_" || a.ID == in.ID {
		t.Errorf("ID = %q, want apr_ and 20 characters", a.ID)
	}
	if a.Status != store.ApprovalPending || a.CreatedAt.IsZero() {
		t.Errorf("new approval: status %q, created %v", a.Status, a.CreatedAt)
	}
	if want := a.CreatedAt.Add(time.Hour); !a.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v, want the default of an hour after creation (%v)", a.ExpiresAt, want)
	}
	if diff := cmp.Diff(a, getApproval(t, s, a.ID)); diff != "" {
		t.Errorf("GetApproval (-created +got):\n%s", diff)
	}
	if b := newApproval(t, s, store.Approval{}); b.ID == a.ID {
		t.Errorf("two approvals share ID %s", a.ID)
	}
	expires := time.Now().Add(10 * time.Minute).UTC().Truncate(time.Microsecond)
	if c := newApproval(t, s, store.Approval{ExpiresAt: expires}); !c.ExpiresAt.Equal(expires) {
		t.Errorf("ExpiresAt = %v, want the given %v", c.ExpiresAt, expires)
	}
	if _, err := s.GetApproval(ctx(t), "apr_doesnotexist"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetApproval of an unknown ID: error = %v, want ErrNotFound", err)
	}
	if _, err := s.CreateApproval(ctx(t), store.Approval{Command: "c"}); err == nil {
		t.Error("CreateApproval without a requester succeeded")
	}
	// A neutral command's approval keeps the provider command it resolved to.
	n := newApproval(t, s, store.Approval{Command: "lock-user", Effective: "okta-suspend-user"})
	got := getApproval(t, s, n.ID)
	if got.Effective != "okta-suspend-user" || got.EffectiveOrCommand() != "okta-suspend-user" || got.RequestedAs() != "lock-user" {
		t.Errorf("neutral approval: effective %q, does %q, requested as %q", got.Effective, got.EffectiveOrCommand(), got.RequestedAs())
	}
	if same := newApproval(t, s, store.Approval{Command: "okta-suspend-user", Effective: "okta-suspend-user"}); same.Effective != "" || same.RequestedAs() != "" {
		t.Errorf("an approval whose names agree keeps Effective %q", same.Effective)
	}
	for _, name := range []string{"lock-user", "okta-suspend-user"} {
		list, _, err := s.ListApprovals(ctx(t), store.ApprovalFilter{Command: name})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(ids(list), n.ID) {
			t.Errorf("ListApprovals(command=%s) misses the lock-user approval that runs okta-suspend-user", name)
		}
	}
}

func ids(list []store.Approval) []string {
	var out []string
	for _, a := range list {
		out = append(out, a.ID)
	}
	return out
}

func testApprovalList(t *testing.T, s store.Store) {
	var all []store.Approval // oldest first
	for i := range 6 {
		all = append(all, newApproval(t, s, store.Approval{
			Command:   []string{"okta-suspend-user", "pingone-lock-user"}[i%2],
			Requester: []string{"alice", "bob", "carol"}[i%3],
		}))
	}
	if _, err := s.DecideApproval(ctx(t), all[0].ID, "lead", false, "no", time.Now()); err != nil {
		t.Fatal(err)
	}
	// newest lists the approvals in the documented order: newest first,
	// and by ID among those created in the same microsecond.
	newest := func(idx ...int) []string {
		var list []store.Approval
		for _, i := range idx {
			list = append(list, all[i])
		}
		slices.SortFunc(list, func(x, y store.Approval) int {
			if c := y.CreatedAt.Compare(x.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(y.ID, x.ID)
		})
		return ids(list)
	}
	tests := []struct {
		name string
		f    store.ApprovalFilter
		want []string
	}{
		{"all", store.ApprovalFilter{}, newest(0, 1, 2, 3, 4, 5)},
		{"pending", store.ApprovalFilter{Status: store.ApprovalPending}, newest(1, 2, 3, 4, 5)},
		{"rejected", store.ApprovalFilter{Status: store.ApprovalRejected}, newest(0)},
		{"requester", store.ApprovalFilter{Requester: "alice"}, newest(0, 3)},
		{"command", store.ApprovalFilter{Command: "pingone-lock-user"}, newest(1, 3, 5)},
		{"combined", store.ApprovalFilter{Status: store.ApprovalPending, Command: "okta-suspend-user"}, newest(2, 4)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, next, err := s.ListApprovals(ctx(t), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(list)); diff != "" || next != "" {
				t.Errorf("ListApprovals(%+v) (-want +got):\n%s next=%q", tt.f, diff, next)
			}
		})
	}
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatalf("too many pages: %v", got)
		}
		list, next, err := s.ListApprovals(ctx(t), store.ApprovalFilter{Limit: 4, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids(list)...)
		if next == "" {
			break
		}
		cursor = next
	}
	if diff := cmp.Diff(newest(0, 1, 2, 3, 4, 5), got); diff != "" {
		t.Errorf("paged approvals (-want +got):\n%s", diff)
	}
	auditCursor := func() string {
		appendN(t, s, 2)
		_, next, _ := s.ListAudit(ctx(t), store.AuditFilter{Limit: 1})
		return next
	}()
	if _, _, err := s.ListApprovals(ctx(t), store.ApprovalFilter{Cursor: auditCursor}); !errors.Is(err, store.ErrInvalidCursor) {
		t.Errorf("an audit cursor for approvals: error = %v, want ErrInvalidCursor", err)
	}
}

func testApprovalDecide(t *testing.T, s store.Store) {
	a := newApproval(t, s, store.Approval{})
	now := time.Now()
	got, err := s.DecideApproval(ctx(t), a.ID, "lead", true, "confirmed with the user's manager", now)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.ApprovalApproved || got.Approver != "lead" ||
		got.Comment != "confirmed with the user's manager" || got.DecidedAt == nil ||
		!got.DecidedAt.Equal(now.Truncate(time.Microsecond)) {
		t.Errorf("approved approval = %+v", got)
	}
	if diff := cmp.Diff(got, getApproval(t, s, a.ID)); diff != "" {
		t.Errorf("GetApproval after the decision (-decided +got):\n%s", diff)
	}
	for _, approve := range []bool{true, false} {
		if _, err := s.DecideApproval(ctx(t), a.ID, "other-lead", approve, "", time.Now()); !errors.Is(err, store.ErrNotPending) {
			t.Errorf("second decision (approve=%v): error = %v, want ErrNotPending", approve, err)
		}
	}

	b := newApproval(t, s, store.Approval{})
	got, err = s.DecideApproval(ctx(t), b.ID, "lead", false, "not enough evidence", time.Now())
	if err != nil || got.Status != store.ApprovalRejected {
		t.Fatalf("reject: %+v, %v", got, err)
	}
	if ok, err := s.ClaimApprovalRun(ctx(t), b.ID); ok || err != nil {
		t.Errorf("ClaimApprovalRun of a rejected approval = %v, %v; want false", ok, err)
	}
	if _, err := s.DecideApproval(ctx(t), "apr_unknown", "lead", true, "", time.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deciding an unknown approval: error = %v, want ErrNotFound", err)
	}
}

func testApprovalSelfApproval(t *testing.T, s store.Store) {
	a := newApproval(t, s, store.Approval{Requester: "alice"})
	// The same person is the same person whatever the case or surrounding
	// space of their subject.
	for _, self := range []string{"alice", "Alice", " ALICE\t"} {
		for _, approve := range []bool{true, false} {
			if _, err := s.DecideApproval(ctx(t), a.ID, self, approve, "", time.Now()); !errors.Is(err, store.ErrSelfApproval) {
				t.Errorf("self decision by %q (approve=%v): error = %v, want ErrSelfApproval", self, approve, err)
			}
		}
	}
	if got := getApproval(t, s, a.ID); got.Status != store.ApprovalPending {
		t.Errorf("after a refused self-approval the status is %q, want pending", got.Status)
	}
}

func testApprovalConcurrentDecisions(t *testing.T, s store.Store) {
	for round := range 5 {
		a := newApproval(t, s, store.Approval{})
		const n = 8
		errs := make([]error, n)
		concurrently(n, func(i int) {
			_, errs[i] = s.DecideApproval(ctx(t), a.ID, fmt.Sprintf("lead-%d", i), i%2 == 0, "", time.Now())
		})
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, store.ErrNotPending):
				t.Fatalf("round %d: decision error %v, want nil or ErrNotPending", round, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d decisions succeeded, want exactly 1", round, wins)
		}
	}
}

func testApprovalRunOnce(t *testing.T, s store.Store) {
	a := newApproval(t, s, store.Approval{})
	if ok, err := s.ClaimApprovalRun(ctx(t), a.ID); ok || err != nil {
		t.Fatalf("ClaimApprovalRun of a pending approval = %v, %v; want false", ok, err)
	}
	if _, err := s.FinishApproval(ctx(t), a.ID, store.ApprovalExecuted, nil, 0); !errors.Is(err, store.ErrNotPending) {
		t.Errorf("FinishApproval before the run: error = %v, want ErrNotPending", err)
	}
	if _, err := s.DecideApproval(ctx(t), a.ID, "lead", true, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	const n = 8
	claimed := make([]bool, n)
	errs := make([]error, n)
	concurrently(n, func(i int) { claimed[i], errs[i] = s.ClaimApprovalRun(ctx(t), a.ID) })
	runs := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if claimed[i] {
			runs++
		}
	}
	if runs != 1 {
		t.Fatalf("%d claims succeeded, want exactly 1", runs)
	}
	if got := getApproval(t, s, a.ID); got.Status != store.ApprovalRunning {
		t.Errorf("status after the claim = %q, want running", got.Status)
	}
	got, err := s.FinishApproval(ctx(t), a.ID, store.ApprovalExecuted, []byte(`{"status":"SUSPENDED"}`), 42)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.ApprovalExecuted || string(got.Result) != `{"status":"SUSPENDED"}` ||
		got.AuditSeq != 42 || got.FinishedAt == nil {
		t.Errorf("finished approval = %+v", got)
	}
	if ok, err := s.ClaimApprovalRun(ctx(t), a.ID); ok || err != nil {
		t.Errorf("ClaimApprovalRun after the run = %v, %v; want false", ok, err)
	}
	if _, err := s.FinishApproval(ctx(t), a.ID, store.ApprovalFailed, nil, 0); !errors.Is(err, store.ErrNotPending) {
		t.Errorf("second FinishApproval: error = %v, want ErrNotPending", err)
	}
	if _, err := s.FinishApproval(ctx(t), a.ID, store.ApprovalApproved, nil, 0); err == nil {
		t.Error("FinishApproval with status approved succeeded")
	}
	if _, err := s.ClaimApprovalRun(ctx(t), "apr_unknown"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ClaimApprovalRun of an unknown approval: error = %v, want ErrNotFound", err)
	}

	b := newApproval(t, s, store.Approval{})
	if _, err := s.DecideApproval(ctx(t), b.ID, "lead", true, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.ClaimApprovalRun(ctx(t), b.ID); !ok || err != nil {
		t.Fatalf("ClaimApprovalRun = %v, %v", ok, err)
	}
	if got, err := s.FinishApproval(ctx(t), b.ID, store.ApprovalFailed, nil, 43); err != nil || got.Status != store.ApprovalFailed {
		t.Errorf("FinishApproval(failed) = %+v, %v", got, err)
	}
}

func testApprovalCancel(t *testing.T, s store.Store) {
	a := newApproval(t, s, store.Approval{Requester: "alice"})
	if _, err := s.CancelApproval(ctx(t), a.ID, "mallory", time.Now()); !errors.Is(err, store.ErrNotRequester) {
		t.Errorf("cancel by someone else: error = %v, want ErrNotRequester", err)
	}
	got, err := s.CancelApproval(ctx(t), a.ID, "alice", time.Now())
	if err != nil || got.Status != store.ApprovalCancelled {
		t.Fatalf("cancel by the requester = %+v, %v", got, err)
	}
	if _, err := s.CancelApproval(ctx(t), a.ID, "alice", time.Now()); !errors.Is(err, store.ErrNotPending) {
		t.Errorf("second cancel: error = %v, want ErrNotPending", err)
	}
	if _, err := s.DecideApproval(ctx(t), a.ID, "lead", true, "", time.Now()); !errors.Is(err, store.ErrNotPending) {
		t.Errorf("approving a cancelled approval: error = %v, want ErrNotPending", err)
	}

	b := newApproval(t, s, store.Approval{Requester: "alice"})
	if _, err := s.DecideApproval(ctx(t), b.ID, "lead", true, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CancelApproval(ctx(t), b.ID, "alice", time.Now()); !errors.Is(err, store.ErrNotPending) {
		t.Errorf("cancelling an approved approval: error = %v, want ErrNotPending", err)
	}
	if _, err := s.CancelApproval(ctx(t), "apr_unknown", "alice", time.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("cancelling an unknown approval: error = %v, want ErrNotFound", err)
	}
}

// Expiry is tested by passing "now" explicitly, never by waiting.
func testApprovalExpiry(t *testing.T, s store.Store) {
	expires := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	a := newApproval(t, s, store.Approval{ExpiresAt: expires})
	got, err := s.DecideApproval(ctx(t), a.ID, "lead", true, "", expires)
	if !errors.Is(err, store.ErrExpired) {
		t.Fatalf("deciding at ExpiresAt: error = %v, want ErrExpired", err)
	}
	if got.Status != store.ApprovalExpired {
		t.Errorf("returned status = %q, want expired", got.Status)
	}
	if got := getApproval(t, s, a.ID); got.Status != store.ApprovalExpired {
		t.Errorf("stored status = %q, want expired", got.Status)
	}
	if _, err := s.DecideApproval(ctx(t), a.ID, "lead", true, "", time.Now()); !errors.Is(err, store.ErrNotPending) {
		t.Errorf("deciding an expired approval: error = %v, want ErrNotPending", err)
	}

	b := newApproval(t, s, store.Approval{ExpiresAt: expires})
	if _, err := s.CancelApproval(ctx(t), b.ID, "alice", expires.Add(time.Second)); !errors.Is(err, store.ErrExpired) {
		t.Errorf("cancelling after ExpiresAt: error = %v, want ErrExpired", err)
	}

	// Just before ExpiresAt a decision still counts.
	c := newApproval(t, s, store.Approval{ExpiresAt: expires})
	if _, err := s.DecideApproval(ctx(t), c.ID, "lead", true, "", expires.Add(-time.Microsecond)); err != nil {
		t.Errorf("deciding just before ExpiresAt: %v", err)
	}

	later := newApproval(t, s, store.Approval{ExpiresAt: expires.Add(time.Hour)})
	d := newApproval(t, s, store.Approval{ExpiresAt: expires})
	e := newApproval(t, s, store.Approval{ExpiresAt: expires})
	if _, err := s.DecideApproval(ctx(t), e.ID, "lead", false, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	n, err := s.ExpireApprovals(ctx(t), expires)
	if err != nil || n != 1 {
		t.Errorf("ExpireApprovals = %d, %v; want 1 (only the pending one past its ExpiresAt)", n, err)
	}
	for id, want := range map[string]store.ApprovalStatus{
		later.ID: store.ApprovalPending,
		d.ID:     store.ApprovalExpired,
		e.ID:     store.ApprovalRejected,
	} {
		if got := getApproval(t, s, id); got.Status != want {
			t.Errorf("%s: status %q, want %q", id, got.Status, want)
		}
	}
}

func testSharedIdempotency(t *testing.T, a, b store.Store) {
	stores := []store.Store{a, b}
	for round := range 10 {
		k := key
		k.Key = fmt.Sprintf("shared-%d", round)
		const n = 8
		states := make([]store.IdemState, n)
		errs := make([]error, n)
		concurrently(n, func(i int) {
			var c store.IdemClaim
			c, errs[i] = stores[i%2].BeginIdempotent(ctx(t), k, "h", time.Hour)
			states[i] = c.State
		})
		countStates(t, states, errs)
	}
	wantState(t, begin(t, a, key, "h", time.Hour), store.IdemNew)
	wantState(t, begin(t, b, key, "h", time.Hour), store.IdemInProgress)
	if err := a.CompleteIdempotent(ctx(t), key, store.StoredResponse{Status: 200, Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	c := begin(t, b, key, "h", time.Hour)
	if c.State != store.IdemReplay || c.Response.Status != 200 {
		t.Errorf("the other instance sees %+v, want the replay", c)
	}
	wantState(t, begin(t, b, key, "other", time.Hour), store.IdemMismatch)
}

func testSharedApproval(t *testing.T, a, b store.Store) {
	stores := []store.Store{a, b}
	for round := range 5 {
		ap := newApproval(t, a, store.Approval{})
		if got := getApproval(t, b, ap.ID); got.ID != ap.ID {
			t.Fatalf("the other instance does not see approval %s", ap.ID)
		}
		const n = 8
		errs := make([]error, n)
		concurrently(n, func(i int) {
			_, errs[i] = stores[i%2].DecideApproval(ctx(t), ap.ID, fmt.Sprintf("lead-%d", i), true, "", time.Now())
		})
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, store.ErrNotPending):
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d decisions succeeded across two instances, want 1", round, wins)
		}
		claimed := make([]bool, n)
		concurrently(n, func(i int) { claimed[i], errs[i] = stores[i%2].ClaimApprovalRun(ctx(t), ap.ID) })
		runs := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if claimed[i] {
				runs++
			}
		}
		if runs != 1 {
			t.Fatalf("round %d: %d runs claimed across two instances, want 1", round, runs)
		}
	}
}

// testSharedAudit appends from two instances at once — group commits of
// many records each, durable and relaxed, some with a write-back — and
// checks the chain never forks: every Seq taken once, each record linked to
// the one before it whichever instance wrote either.
func testSharedAudit(t *testing.T, a, b store.Store) {
	stores := []store.Store{a, b}
	const callers, each = 64, 4
	const n = callers * each
	got := make([]store.AuditRecord, n)
	errs := make([]error, n)
	concurrently(callers, func(c int) {
		s := stores[c%2]
		ctx := ctx(t)
		if c%4 < 2 {
			ctx = store.WithRelaxedDurability(ctx)
		}
		for j := range each {
			i := c*each + j
			r := record(i)
			if i%5 == 0 {
				r.Incident = json.RawMessage(`{"id":"4711"}`)
				r.WriteBack = &store.WriteBack{Platform: store.PlatformXSOAR, IncidentID: "4711", Markdown: r.RequestID}
			}
			got[i], errs[i] = s.AppendAudit(ctx, r)
		}
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("AppendAudit %d: %v", i, err)
		}
	}
	bySeq := map[int64]store.AuditRecord{}
	for _, r := range got {
		if other, dup := bySeq[r.Seq]; dup {
			t.Fatalf("Seq %d taken by %s and %s: the chain forked", r.Seq, other.RequestID, r.RequestID)
		}
		bySeq[r.Seq] = r
	}
	for seq := int64(1); seq <= n; seq++ {
		r, ok := bySeq[seq]
		switch {
		case !ok:
			t.Fatalf("no record took Seq %d of 1..%d", seq, n)
		case seq > 1 && r.PrevHash != bySeq[seq-1].Hash:
			t.Fatalf("record %d does not link to record %d: the chain forked", seq, seq-1)
		case r.WriteBack != nil:
			wb, err := stores[seq%2].GetWriteBack(ctx(t), r.WriteBackID)
			if err != nil || wb.AuditSeq != seq {
				t.Fatalf("write-back of record %d = %+v, %v; want it queued with the record", seq, wb, err)
			}
		}
	}
	// Strictly alternating appends: each instance's next record must link
	// to the other's last, which only the database can tell it (on SQLite
	// the busy handler may let one instance run all its batches above
	// before the other gets the lock).
	const alternate = 8
	prev := bySeq[n].Hash
	for i := range alternate {
		r, err := stores[i%2].AppendAudit(ctx(t), record(n+i))
		if err != nil {
			t.Fatalf("alternating append %d: %v", i, err)
		}
		if r.Seq != int64(n+i+1) || r.PrevHash != prev {
			t.Fatalf("alternating append %d: Seq %d linked to %.8s…, want Seq %d linked to %.8s…", i, r.Seq, r.PrevHash, n+i+1, prev)
		}
		prev = r.Hash
	}
	for _, s := range stores {
		if v := verify(t, s); !v.OK || v.Checked != n+alternate {
			t.Errorf("VerifyAudit = %+v, want OK with %d checked", v, n+alternate)
		}
	}
}
