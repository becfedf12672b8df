package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// genesisHash is the PrevHash of record 1.
const genesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// auditHashVersion is the first field of every hashed encoding. A change to
// the encoding needs a new version, or every stored chain stops verifying.
const auditHashVersion = "idcmd-audit-v1"

// auditHash is r's link in the chain: the lowercase hex SHA-256 of the
// canonical encoding of r, which is this sequence of fields, each written as
// its length in bytes (8-byte big-endian unsigned) followed by its bytes:
//
//	"idcmd-audit-v1", PrevHash, Seq, Time, RequestID, Subject, Command,
//	Args, Incident, TargetUser, Outcome, ProviderStatus, ProviderCode,
//	Detail, DurationMS, IdempotencyKey, ApprovalID, Approver
//
// and, only when it is set, RequestedAs: records written before it existed
// (and records of commands called by their own name) keep their hash.
//
// Integers are base-10 ASCII ("-1", "0", "42"); Time is UTC in RFC 3339 with
// fractional seconds as time.RFC3339Nano writes them (trailing zeros
// dropped); Args and Incident are their exact JSON bytes, empty when nil.
// The length prefixes make the encoding unambiguous: no two different records
// encode to the same bytes, whatever their fields contain. Left out are Hash
// itself and the write-back queued with the record (WriteBack, WriteBackID):
// the record says what happened, not where it was reported, and the queue's
// state changes as the entry is delivered.
func auditHash(r AuditRecord) string {
	h := sha256.New()
	var n [8]byte
	field := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	str := func(s string) { field([]byte(s)) }
	num := func(i int64) { str(strconv.FormatInt(i, 10)) }

	str(auditHashVersion)
	str(r.PrevHash)
	num(r.Seq)
	str(r.Time.UTC().Format(time.RFC3339Nano))
	str(r.RequestID)
	str(r.Subject)
	str(r.Command)
	field(r.Args)
	field(r.Incident)
	str(r.TargetUser)
	str(r.Outcome)
	num(int64(r.ProviderStatus))
	str(r.ProviderCode)
	str(r.Detail)
	num(r.DurationMS)
	str(r.IdempotencyKey)
	str(r.ApprovalID)
	str(r.Approver)
	if r.RequestedAs != "" {
		str(r.RequestedAs)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// cleanText makes s storable as PostgreSQL text, which refuses NUL bytes and
// invalid UTF-8, while SQLite would keep them. Cleaning on both backends keeps
// them identical, and an audit record is never refused because a provider
// sent a malformed error message.
func cleanText(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// checkJSON reports whether b is empty or one valid UTF-8 JSON value. The
// store keeps JSON as text byte for byte (re-encoding would change the hash),
// so it must be storable as text.
func checkJSON(name string, b []byte) error {
	if len(b) > 0 && (!json.Valid(b) || !utf8.Valid(b)) {
		return fmt.Errorf("store: %s is not valid JSON", name)
	}
	return nil
}

// incidentID is the "id" member of an incident context (a string, or a
// number as written), kept in its own column so ListAudit can filter on it.
func incidentID(incident json.RawMessage) string {
	if len(incident) == 0 {
		return ""
	}
	var v struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(incident, &v) != nil || len(v.ID) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(v.ID, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(v.ID, &n) == nil {
		return n.String()
	}
	return ""
}

const auditColumns = `seq, recorded_at, request_id, subject, command, args, incident, incident_id,
	target_user, outcome, provider_status, provider_code, detail, duration_ms,
	idempotency_key, approval_id, approver, prev_hash, hash, writeback_id, requested_as`

// The head statements of an append, prepared once on the SQLite writer
// (sqlStore.stmts); the INSERTs are auditInserts.
const (
	auditHeadQuery  = "SELECT seq, hash FROM audit_head WHERE id = 1"
	auditHeadUpdate = "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1"
)

// AppendAudit checks and cleans r here, in the caller's goroutine, and hands
// it to the group commit, whose single writer only links it to the chain and
// writes it (auditWriter): everything that can fail on the record's content
// fails before the batch, at no cost to it.
func (s *sqlStore) AppendAudit(ctx context.Context, r AuditRecord) (AuditRecord, error) {
	app, err := newPendingAppend(r)
	if err != nil {
		return AuditRecord{}, err
	}
	if err := s.batch.append(ctx, app); err != nil {
		return AuditRecord{}, err
	}
	return app.out, nil
}

// errLaterWriteBack refuses a write-back queued by AppendAuditLater: no
// caller would learn whether it was queued.
var errLaterWriteBack = errors.New("store: an audit record appended later cannot carry a write-back")

func (s *sqlStore) AppendAuditLater(r AuditRecord, done func(error)) error {
	if r.WriteBack != nil {
		return errLaterWriteBack
	}
	app, err := newPendingAppend(r)
	if err != nil {
		return err
	}
	if done == nil {
		done = func(error) {}
	}
	return s.batch.appendLater(app, done)
}

// newPendingAppend checks r, makes its text storable and its time what the
// store keeps, and checks its write-back.
func newPendingAppend(r AuditRecord) (*pendingAppend, error) {
	if err := checkJSON("audit args", r.Args); err != nil {
		return nil, err
	}
	if err := checkJSON("audit incident", r.Incident); err != nil {
		return nil, err
	}
	for _, f := range []*string{&r.RequestID, &r.Subject, &r.Command, &r.TargetUser, &r.Outcome,
		&r.ProviderCode, &r.Detail, &r.IdempotencyKey, &r.ApprovalID, &r.Approver, &r.RequestedAs} {
		*f = cleanText(*f)
	}
	if len(r.Args) == 0 {
		r.Args = nil
	}
	if len(r.Incident) == 0 {
		r.Incident = nil
	}
	if !r.Time.IsZero() {
		r.Time = dbTimeOf(r.Time)
	}
	app := &pendingAppend{incidentID: incidentID(r.Incident)}
	if r.WriteBack != nil {
		w, err := newWriteBack(*r.WriteBack)
		if err != nil {
			return nil, err
		}
		app.wb = &w
	}
	r.Seq, r.PrevHash, r.Hash = 0, "", ""
	r.WriteBack, r.WriteBackID = nil, ""
	app.rec = r
	return app, nil
}

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

// scanAudit scans auditColumns; it also returns the stored incident_id,
// which VerifyAudit checks against the incident.
func scanAudit(row rowScanner) (AuditRecord, string, error) {
	var r AuditRecord
	var at scanTime
	var args, incident scanBytes
	var incID string
	var providerStatus int64
	err := row.Scan(&r.Seq, &at, &r.RequestID, &r.Subject, &r.Command, &args, &incident, &incID,
		&r.TargetUser, &r.Outcome, &providerStatus, &r.ProviderCode, &r.Detail, &r.DurationMS,
		&r.IdempotencyKey, &r.ApprovalID, &r.Approver, &r.PrevHash, &r.Hash, &r.WriteBackID, &r.RequestedAs)
	if err != nil {
		return AuditRecord{}, "", err
	}
	r.Time = at.t
	r.Args = json.RawMessage(args)
	r.Incident = json.RawMessage(incident)
	r.ProviderStatus = int(providerStatus)
	return r, incID, nil
}

func (s *sqlStore) GetAudit(ctx context.Context, seq int64) (AuditRecord, error) {
	row := s.db.QueryRowContext(ctx, "SELECT "+auditColumns+" FROM audit WHERE seq = $1", seq)
	r, _, err := scanAudit(row)
	if errors.Is(err, sql.ErrNoRows) {
		return AuditRecord{}, fmt.Errorf("store: audit record %d: %w", seq, ErrNotFound)
	}
	if err != nil {
		return AuditRecord{}, fmt.Errorf("store: get audit record %d: %w", seq, err)
	}
	return r, nil
}

func (s *sqlStore) ListAudit(ctx context.Context, f AuditFilter) ([]AuditRecord, string, error) {
	var w where
	for _, c := range []struct{ col, val string }{
		{"subject", f.Subject}, {"target_user", f.TargetUser},
		{"incident_id", f.IncidentID}, {"outcome", f.Outcome},
	} {
		if c.val != "" {
			w.add(c.col+" = ?", c.val)
		}
	}
	if f.Command != "" {
		// A command matches what was done and the name it was asked by:
		// lock-user finds its runs as okta-suspend-user too.
		w.add("(command = ? OR requested_as = ?)", f.Command, f.Command)
	}
	if !f.Since.IsZero() {
		w.add("recorded_at >= ?", s.d.ts(dbTimeOf(f.Since)))
	}
	if !f.Until.IsZero() {
		w.add("recorded_at < ?", s.d.ts(dbTimeOf(f.Until)))
	}
	if f.Cursor != "" {
		parts, err := decodeCursor("a", f.Cursor, 1)
		if err != nil {
			return nil, "", err
		}
		before, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil {
			return nil, "", ErrInvalidCursor
		}
		w.add("seq < ?", before)
	}
	limit := pageLimit(f.Limit)
	query := "SELECT " + auditColumns + " FROM audit" + w.String() +
		" ORDER BY seq DESC LIMIT " + w.arg(limit+1)
	rows, err := s.db.QueryContext(ctx, query, w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("store: list audit: %w", err)
	}
	defer rows.Close()
	var records []AuditRecord
	for rows.Next() {
		r, _, err := scanAudit(rows)
		if err != nil {
			return nil, "", fmt.Errorf("store: list audit: %w", err)
		}
		records = append(records, r)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("store: list audit: %w", err)
	}
	next := ""
	if len(records) > limit {
		records = records[:limit]
		next = encodeCursor("a", strconv.FormatInt(records[limit-1].Seq, 10))
	}
	return records, next, nil
}

// VerifyAudit reads the anchor, the head and the records between them in
// one read-only transaction, so that a prune committing meanwhile (which
// moves the anchor and deletes records in one transaction) is either wholly
// seen or not at all. Appends that land meanwhile are simply not checked this
// time.
//
// It starts at the anchor: the first kept record must be anchor Seq + 1 and
// carry the anchor's Hash as PrevHash (genesis values before any prune).
// What it detects: a changed field (the hash no longer matches), a deleted
// record (a gap in Seq), deleted first records with the anchor left behind
// (a gap after the anchor), a replaced record or a forged anchor (a PrevHash
// that does not match), and a deleted tail (the head names a later record).
// What it cannot detect alone is a consistent rewrite of the whole chain and
// its head by someone with write access to the database, or records pruned
// with the anchor moved to match; comparing Head with a copy kept elsewhere
// detects the first, VerifyAuditHistory over the export files the second.
func (s *sqlStore) VerifyAudit(ctx context.Context) (AuditVerification, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.d.name == postgresName {
		// READ COMMITTED would take a new snapshot per statement.
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return AuditVerification{}, fmt.Errorf("store: verify audit: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // read-only: nothing to undo
	var anchor AuditAnchor
	if err := tx.QueryRowContext(ctx, anchorQuery).Scan(&anchor.Seq, &anchor.Hash); err != nil {
		return AuditVerification{}, fmt.Errorf("store: verify audit: read anchor: %w", err)
	}
	var headSeq int64
	var headHash string
	if err := tx.QueryRowContext(ctx, auditHeadQuery).Scan(&headSeq, &headHash); err != nil {
		return AuditVerification{}, fmt.Errorf("store: verify audit: read head: %w", err)
	}
	v := AuditVerification{AnchorSeq: anchor.Seq, AnchorHash: anchor.Hash}
	broken := func(seq int64, format string, args ...any) (AuditVerification, error) {
		v.FirstBroken = seq
		v.Reason = fmt.Sprintf(format, args...)
		return v, nil
	}
	switch {
	case anchor.Seq < 0 || anchor.Seq > headSeq:
		return broken(max(anchor.Seq, 1), "the anchor names record %d, beyond the chain head %d: it was altered", anchor.Seq, headSeq)
	case anchor.Seq == 0 && anchor.Hash != "":
		return broken(1, "the anchor has a hash but names no record: it was altered")
	case anchor.Seq > 0 && len(anchor.Hash) != len(genesisHash):
		return broken(anchor.Seq+1, "the anchor's hash is not a SHA-256: it was altered")
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+auditColumns+" FROM audit WHERE seq <= $1 ORDER BY seq", headSeq)
	if err != nil {
		return AuditVerification{}, fmt.Errorf("store: verify audit: %w", err)
	}
	defer rows.Close()

	prev, want := anchor.prevHash(), anchor.Seq+1
	for rows.Next() {
		r, incID, err := scanAudit(rows)
		if err != nil {
			return AuditVerification{}, fmt.Errorf("store: verify audit: %w", err)
		}
		v.Checked++
		switch {
		case r.Seq < want:
			return broken(r.Seq, "record %d is still there although the anchor is at %d: the anchor was altered", r.Seq, anchor.Seq)
		case r.Seq != want && want == anchor.Seq+1 && anchor.Seq > 0:
			return broken(want, "record %d is missing (the first kept record is %d, the anchor %d): records were deleted", want, r.Seq, anchor.Seq)
		case r.Seq != want:
			return broken(want, "record %d is missing (the next record is %d): records were deleted", want, r.Seq)
		case r.PrevHash != prev:
			if r.Seq == 1 {
				return broken(1, "record 1 does not start the chain (prev_hash is not the genesis value): it was altered")
			}
			if r.Seq == anchor.Seq+1 {
				return broken(r.Seq, "record %d does not link to the anchor (record %d's hash): the record or the anchor was altered", r.Seq, anchor.Seq)
			}
			return broken(r.Seq, "record %d does not link to record %d (prev_hash differs): a record was replaced", r.Seq, want-1)
		case auditHash(r) != r.Hash:
			return broken(r.Seq, "record %d does not match its hash: it was altered", r.Seq)
		case incID != incidentID(r.Incident):
			return broken(r.Seq, "record %d: incident_id does not match its incident: it was altered", r.Seq)
		}
		prev = r.Hash
		want++
	}
	if err := rows.Err(); err != nil {
		return AuditVerification{}, fmt.Errorf("store: verify audit: %w", err)
	}
	switch {
	case want == headSeq:
		return broken(want, "record %d is missing: the end of the log was deleted", want)
	case want < headSeq:
		return broken(want, "records %d to %d are missing: the end of the log was deleted", want, headSeq)
	}
	if headSeq > 0 && headHash != prev {
		if v.Checked == 0 {
			return broken(headSeq, "every record was pruned, but the anchor's hash is not the chain head's: one was altered")
		}
		return broken(headSeq, "the chain head does not match record %d: it was altered", headSeq)
	}
	v.OK = true
	v.Head = prev
	if headSeq == 0 {
		v.Head = ""
	}
	return v, nil
}
