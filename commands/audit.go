package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/idcmd/idcmd/panics"
	"github.com/idcmd/idcmd/providers/upstream"
	"github.com/idcmd/idcmd/store"
)

// Audit outcomes.
const (
	OutcomeSuccess         = "success"
	OutcomeProviderError   = "provider_error"
	OutcomeRejected        = "rejected"
	OutcomePendingApproval = "pending_approval"
	OutcomeError           = "error"
)

// ErrAuditUnavailable: the audit record could not be written. The call is
// not acknowledged as a success without its record.
var ErrAuditUnavailable = errors.New("audit log unavailable")

// redacted replaces an argument tagged audit:"redact" in the audit log.
const redacted = "[redacted]"

// auditArgs encodes a command's arguments for the audit log, replacing
// every field tagged audit:"redact" (secrets, one-time links).
func auditArgs(args any) json.RawMessage {
	v := reflect.ValueOf(args)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil // a refused call whose body was never read
	}
	m := map[string]any{}
	flattenArgs(v, m)
	b, err := json.Marshal(m)
	if err != nil {
		return json.RawMessage(`{"error":"arguments could not be encoded"}`)
	}
	return b
}

func flattenArgs(v reflect.Value, m map[string]any) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			flattenArgs(v.Field(i), m)
			continue
		}
		name := jsonName(f)
		if name == "" {
			continue
		}
		fv := v.Field(i)
		if fv.IsZero() {
			continue
		}
		if f.Tag.Get("audit") == "redact" {
			m[name] = redacted
			continue
		}
		m[name] = fv.Interface()
	}
}

// targetUser is the user a call is about, for the audit filter.
func targetUser(args any) string {
	v := reflect.ValueOf(args)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return ""
	}
	var find func(v reflect.Value) string
	find = func(v reflect.Value) string {
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				if s := find(v.Field(i)); s != "" {
					return s
				}
				continue
			}
			if jsonName(f) == "user" && f.Type.Kind() == reflect.String {
				return v.Field(i).String()
			}
		}
		return ""
	}
	return find(v)
}

// draftRecord starts the audit record of a call: name is what is done, via
// the name it was asked by when that differs.
func draftRecord(req Request, name, via string) store.AuditRecord {
	rec := store.AuditRecord{
		RequestID:      req.RequestID,
		Subject:        req.Caller.Subject,
		Command:        name,
		RequestedAs:    stepOf(req.workflow, via),
		Args:           auditArgs(req.Args),
		TargetUser:     targetUser(req.Args),
		IdempotencyKey: req.IdempotencyKey,
	}
	if req.Incident != nil {
		rec.Incident, _ = json.Marshal(req.Incident)
	}
	if req.approval != nil {
		rec.ApprovalID = req.approval.ID
		rec.Approver = req.approval.Approver
	}
	return rec
}

// Bounds of a refused call's record: its fields were never validated, so
// each is cut to a size that says what was tried without storing it whole.
const (
	maxRefusedField = 256  // bytes of one argument, incident field or name
	maxRefusedJSON  = 4096 // bytes of the arguments or the incident
)

// bound cuts a refused call's record down to bounded fields, each cut one
// marked as truncated, so no token — even one with no scope — can grow the
// audit log by more than a few kilobytes a call.
func bound(rec *store.AuditRecord) {
	rec.Subject = truncateMarked(rec.Subject, maxRefusedField)
	rec.TargetUser = truncateMarked(rec.TargetUser, maxRefusedField)
	rec.IdempotencyKey = truncateMarked(rec.IdempotencyKey, maxRefusedField)
	rec.Args = boundJSON(rec.Args)
	rec.Incident = boundJSON(rec.Incident)
}

// boundJSON cuts every member of a JSON object to maxRefusedField bytes of
// its encoding, and the whole to maxRefusedJSON.
func boundJSON(raw json.RawMessage) json.RawMessage {
	if len(raw) <= maxRefusedField {
		return raw
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		b, _ := json.Marshal(map[string]string{"truncated": truncateMarked(string(raw), maxRefusedField)})
		return b
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		k = truncateMarked(k, maxRefusedField)
		if len(v) <= maxRefusedField {
			out[k] = v
			continue
		}
		var str string
		if json.Unmarshal(v, &str) == nil {
			out[k] = truncateMarked(str, maxRefusedField)
		} else {
			out[k] = truncateMarked(string(v), maxRefusedField)
		}
	}
	b, err := json.Marshal(out)
	if err != nil || len(b) > maxRefusedJSON {
		b, _ = json.Marshal(map[string]any{"truncated": true, "size_bytes": len(raw)})
	}
	return b
}

// truncateMarked cuts s to at most n bytes, on a rune boundary, and says how
// much was cut.
func truncateMarked(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…[truncated, " + strconv.Itoa(len(s)) + " bytes]"
}

// settle fills in the outcome of a run.
func settle(rec *store.AuditRecord, err error, elapsed time.Duration) {
	rec.DurationMS = elapsed.Milliseconds()
	if err == nil {
		rec.Outcome = OutcomeSuccess
		return
	}
	rec.Detail = truncate(err.Error(), 500)
	if ue := upstream.As(err); ue != nil {
		rec.Outcome = OutcomeProviderError
		rec.ProviderStatus = ue.Status
		rec.ProviderCode = ue.Code
		return
	}
	var ie *InputError
	if errors.As(err, &ie) || errors.Is(err, ErrForbidden) {
		rec.Outcome = OutcomeRejected
		return
	}
	rec.Outcome = OutcomeError
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// record appends to the audit log, with the record's write-back if it has
// one; without a store (unit tests) it is a no-op. The record (and the
// queued write-back) is durable when this returns.
func (inv *Invoker) record(ctx context.Context, rec store.AuditRecord) (store.AuditRecord, error) {
	if inv.Store == nil {
		return rec, nil
	}
	// The caller's deadline must not cost an acknowledged action its
	// record: the audit write gets its own short deadline.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	out, err := inv.Store.AppendAudit(actx, rec)
	if err != nil {
		return rec, fmt.Errorf("%w: %v", ErrAuditUnavailable, err)
	}
	if out.WriteBackID != "" && inv.OnWriteBack != nil {
		inv.OnWriteBack()
	}
	return out, nil
}

// writebackRef describes a queued write-back for the response.
func writebackRef(rec store.AuditRecord) *WritebackRef {
	if rec.WriteBackID == "" || rec.WriteBack == nil {
		return nil
	}
	return &WritebackRef{ID: rec.WriteBackID, Status: string(store.WriteBackQueued), Target: rec.WriteBack.Platform + ":" + rec.WriteBack.IncidentID}
}

// rejectedArgs is the audit detail for refused calls.
func rejectedDetail(err error) string {
	return truncate(strings.TrimSpace(err.Error()), 500)
}

// recordLater hands a read's audit record to the store's next group commit,
// with a relaxed flush, and returns without waiting for it (see finish): the
// store reports the outcome, so no goroutine waits on the batch per read.
// Drain waits for every such record.
func (inv *Invoker) recordLater(rec store.AuditRecord) {
	inv.later.Add(1)
	done := func(err error) {
		defer inv.later.Done()
		if err != nil && inv.Log != nil {
			inv.Log.Error("audit record of a read not written", "request_id", rec.RequestID, "command", rec.Command, "error", err)
		}
	}
	queued := false
	err := panics.Contain(inv.Log, "audit record of a read", func() error {
		if err := inv.Store.AppendAuditLater(rec, done); err != nil {
			return err
		}
		queued = true
		return nil
	})
	if !queued {
		done(err)
	}
}

// Drain waits until the audit records of answered reads are written; the
// server calls it at shutdown, before closing the store.
func (inv *Invoker) Drain() { inv.later.Wait() }

// stepOf is a step call's RequestedAs: the workflow that asked for it, and
// the neutral name it was asked by when it has one (release-user/unlock-user).
func stepOf(workflow, via string) string {
	switch {
	case workflow == "":
		return via
	case via == "":
		return workflow
	}
	return workflow + "/" + via
}
