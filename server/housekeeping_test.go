package server

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/internal/logbuf"
	"github.com/idcmd/idcmd/store"
)

// retentionStore is a SQLite store holding two old and one recent audit
// record, and a write-back delivered long ago and one still queued.
func retentionStore(t *testing.T, now time.Time) (store.Store, store.WriteBack, store.WriteBack) {
	t.Helper()
	st, err := store.Open(t.Context(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	for _, at := range []time.Time{now.Add(-100 * 24 * time.Hour), now.Add(-95 * 24 * time.Hour), now.Add(-time.Hour)} {
		if _, err := st.AppendAudit(t.Context(), store.AuditRecord{Time: at, Command: "okta-suspend-user", Outcome: "success", Subject: "a"}); err != nil {
			t.Fatal(err)
		}
	}
	old, err := st.EnqueueWriteBack(t.Context(), store.WriteBack{Platform: store.PlatformXSOAR, IncidentID: "1", Markdown: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ClaimWriteBacks(t.Context(), "w", 10, time.Minute, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.FinishWriteBack(t.Context(), old.ID, "w", store.WriteBackOutcome{Delivered: true}, now.Add(-31*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	queued, err := st.EnqueueWriteBack(t.Context(), store.WriteBack{Platform: store.PlatformXSOAR, IncidentID: "2", Markdown: "y"})
	if err != nil {
		t.Fatal(err)
	}
	return st, old, queued
}

func retentionConfig(exportDir string) config.Config {
	cfg := config.Defaults()
	cfg.Audit = config.Audit{Retention: 90 * 24 * time.Hour, ExportDir: exportDir}
	return cfg
}

// TestHousekeepingAppliesRetention: housekeeping, as started by Build,
// applies a configured retention at once: the audit records past it are
// exported to audit.export_dir and pruned, the history verifies across the
// file and the store, and the write-back finished past writeback.retention
// is deleted while the queued one stays.
func TestHousekeepingAppliesRetention(t *testing.T) {
	now := time.Now().UTC()
	st, old, queued := retentionStore(t, now)
	dir := filepath.Join(t.TempDir(), "audit-export")
	var logs logbuf.Buffer
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		housekeeping(ctx, st, retentionConfig(dir), slog.New(slog.NewJSONHandler(&logs, nil)))
	}()
	defer func() { cancel(); <-done }()

	file := filepath.Join(dir, store.ExportFileName(1, 2))
	deadline := time.Now().Add(20 * time.Second) // against a hang, not a speed check
	for {
		// The prune's log line comes after its commit: wait for both.
		if a, err := st.AuditAnchor(t.Context()); err == nil && a.Seq == 2 && strings.Contains(logs.String(), "finished write-backs deleted") &&
			strings.Contains(logs.String(), "records exported and pruned") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("housekeeping did not prune within the deadline; log:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("the export file: %v", err)
	}
	hv, sv, err := store.VerifyAuditHistory(t.Context(), st, []string{file})
	if err != nil || !hv.OK || !sv.OK || hv.Records != 2 || sv.Checked != 1 {
		t.Fatalf("VerifyAuditHistory = %+v / %+v, %v", hv, sv, err)
	}
	if _, err := st.GetWriteBack(t.Context(), old.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the write-back delivered 31 days ago: %v, want it deleted", err)
	}
	if _, err := st.GetWriteBack(t.Context(), queued.ID); err != nil {
		t.Errorf("the queued write-back: %v, want it kept", err)
	}
	if !strings.Contains(logs.String(), `"msg":"audit retention: records exported and pruned","pruned":2`) {
		t.Errorf("log lacks the prune:\n%s", logs.String())
	}
}

// TestRetentionFailureDeletesNothing: when the export cannot be written,
// nothing is pruned and the failure is logged.
func TestRetentionFailureDeletesNothing(t *testing.T) {
	now := time.Now().UTC()
	st, _, _ := retentionStore(t, now)
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var logs logbuf.Buffer
	applyRetention(t.Context(), st, retentionConfig(notADir), now, slog.New(slog.NewJSONHandler(&logs, nil)))
	if a, err := st.AuditAnchor(t.Context()); err != nil || a.Seq != 0 {
		t.Errorf("anchor after a failed export = %+v, %v; want nothing pruned", a, err)
	}
	if v, err := st.VerifyAudit(t.Context()); err != nil || !v.OK || v.Checked != 3 {
		t.Errorf("VerifyAudit = %+v, %v; want all 3 records kept", v, err)
	}
	if !strings.Contains(logs.String(), "audit retention: prune failed") {
		t.Errorf("log lacks the failure:\n%s", logs.String())
	}
}

// TestBuildChecksExportDir: a retention whose export directory cannot be
// written fails the start.
func TestBuildChecksExportDir(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := retentionConfig(filepath.Join(notADir, "exports"))
	cfg.Auth.JWTSecret = strings.Repeat("s", 32)
	cfg.Store.DataDir = t.TempDir()
	app, err := Build(t.Context(), cfg, slog.New(slog.DiscardHandler), "test")
	if err == nil {
		_ = app.Close()
		t.Fatal("Build succeeded with an export directory under a regular file")
	}
	if !strings.Contains(err.Error(), "audit.export_dir") {
		t.Errorf("Build error = %v, want it to name audit.export_dir", err)
	}
}

// TestEventRetention: applyRetention deletes the events that arrived
// longer than events.retention ago and keeps the others; 0 keeps all.
func TestEventRetention(t *testing.T) {
	st, err := store.Open(t.Context(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	ev := func(id string, received time.Time) store.Event {
		return store.Event{Provider: "okta", ID: id, Type: "user.session.start", Source: store.SourceHook, Time: received,
			ReceivedAt: received, Body: []byte(`{}`), Raw: []byte(`{}`)}
	}
	if _, err := st.AppendEvents(t.Context(), []store.Event{ev("old", now.Add(-31*24*time.Hour)), ev("new", now.Add(-time.Hour))}, nil); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(&logbuf.Buffer{}, nil))
	cfg := config.Defaults()
	cfg.Events.Retention = 0
	applyRetention(t.Context(), st, cfg, now, log)
	if list, _, _ := st.ListEvents(t.Context(), store.EventFilter{}); len(list) != 2 {
		t.Fatalf("retention 0 deleted events: %d left", len(list))
	}
	cfg.Events.Retention = 30 * 24 * time.Hour
	applyRetention(t.Context(), st, cfg, now, log)
	list, _, _ := st.ListEvents(t.Context(), store.EventFilter{})
	if len(list) != 1 || list[0].ID != "new" {
		t.Fatalf("after retention: %+v", list)
	}
}
