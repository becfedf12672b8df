// Package store is idcmd's durable core: the tamper-evident audit log, the
// idempotency keys that keep a retried call from running twice, the
// approvals that put a second person in front of a destructive command, and
// the queue of entries to write back to the incidents commands ran for.
//
// There is one interface, Store, and two backends behind it. Embedded SQLite
// (modernc.org/sqlite, pure Go, WAL) is the default: one file under the data
// directory, nothing to operate. PostgreSQL (github.com/jackc/pgx/v5) is for
// several idcmd replicas behind one load balancer: every rule that must hold
// across replicas — one linear audit chain, one owner per idempotency key, one
// winner per approval decision, one run per approval, one lease holder per
// write-back — is enforced by the database (row locks and compare-and-set
// updates), not by process memory.
//
// Every write is durable before the call returns: committed and flushed to
// disk by the backend (SQLite synchronous=FULL; PostgreSQL's default
// synchronous_commit=on). On SQLite all writes go through one writer goroutine
// that commits whatever is queued as one transaction (group commit), so one
// fsync covers many callers without acknowledging anything early.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Store is idcmd's durable state. All methods are safe for concurrent use, and
// the PostgreSQL backend keeps every guarantee across processes sharing one
// database.
type Store interface {
	// AppendAudit appends r to the audit log. It assigns Seq (1, 2, 3, …
	// without gaps), Time when zero, PrevHash and Hash, and returns the
	// record as stored. The record is committed and on disk before
	// AppendAudit returns. Time is stored in UTC with microsecond precision
	// (PostgreSQL's), so the returned record is what VerifyAudit rehashes.
	// r.WriteBack, if set, is queued in the same transaction: both are
	// stored, or neither.
	AppendAudit(ctx context.Context, r AuditRecord) (AuditRecord, error)
	// AppendAuditLater appends r as AppendAudit does, in the next group
	// commit with a relaxed flush (see WithRelaxedDurability), but returns
	// as soon as r is checked and queued: nothing waits on the batch. done
	// is called once with the outcome (nil when r is committed) from the
	// store's writer goroutine, so it must return quickly and must not call
	// the store. Close commits every record queued before it and calls its
	// done. An error returned here (r is invalid, or the store is closed)
	// means r was not queued and done is never called. r must not carry a
	// write-back: a queued write-back has to be acknowledged.
	AppendAuditLater(r AuditRecord, done func(error)) error
	// ListAudit returns the records that match f, newest first, and an
	// opaque cursor for the next page ("" on the last page).
	ListAudit(ctx context.Context, f AuditFilter) (records []AuditRecord, next string, err error)
	// GetAudit returns the record with the given Seq, or ErrNotFound.
	GetAudit(ctx context.Context, seq int64) (AuditRecord, error)
	// VerifyAudit walks the kept chain in Seq order from its anchor (the
	// last pruned record, or the genesis value before any prune),
	// recomputes every hash and reports the first record that does not
	// verify.
	VerifyAudit(ctx context.Context) (AuditVerification, error)
	// AuditAnchor returns the Seq and Hash of the last pruned record: the
	// predecessor of the first kept one. Zero before any prune.
	AuditAnchor(ctx context.Context) (AuditAnchor, error)
	// ScanAudit calls fn with up to limit records whose Seq is greater
	// than after, in Seq order, and stops early when fn returns an error
	// (ErrStopScan stops it without one). Records are read as stored, not
	// verified: ExportAudit checks the chain as it writes.
	ScanAudit(ctx context.Context, after int64, limit int, fn func(AuditRecord) error) error
	// PruneAudit deletes the records from.Seq+1 through to.Seq and moves the
	// anchor from from to to, in one transaction. It refuses, changing
	// nothing, with ErrAnchorMoved when the anchor is not from (another
	// prune ran since the records were exported) and with ErrPruneMismatch
	// when record to.Seq does not hold to.Hash or a record of the range is
	// missing: it deletes exactly the records that were exported, or none.
	// One call deletes at most MaxPruneRecords, so its transaction stays
	// short; ExportAndPruneAudit loops.
	PruneAudit(ctx context.Context, from, to AuditAnchor) (int64, error)

	// BeginIdempotent claims k for a request whose body hashes to
	// requestHash. See IdemState for the outcomes. A stored key older than
	// ttl is treated as absent and replaced; ttl must be positive. With
	// IdemNew the caller owns the key and must CompleteIdempotent or
	// ReleaseIdempotent it.
	BeginIdempotent(ctx context.Context, k IdemKey, requestHash string, ttl time.Duration) (IdemClaim, error)
	// CompleteIdempotent stores the response of the claimed key so that
	// retries replay it. ErrNotFound when k has no claim in progress.
	CompleteIdempotent(ctx context.Context, k IdemKey, resp StoredResponse) error
	// ReleaseIdempotent drops the claim on k (the owner could not run the
	// call at all), so a retry runs it. ErrNotFound when k has no claim in
	// progress.
	ReleaseIdempotent(ctx context.Context, k IdemKey) error
	// PurgeIdempotent deletes the keys created before olderThan and returns
	// how many it deleted.
	PurgeIdempotent(ctx context.Context, olderThan time.Time) (int64, error)

	// CreateApproval stores a pending approval. It assigns ID, Status
	// (pending) and CreatedAt; ExpiresAt defaults to one hour after
	// CreatedAt.
	CreateApproval(ctx context.Context, a Approval) (Approval, error)
	// GetApproval returns the approval with the given ID, or ErrNotFound.
	GetApproval(ctx context.Context, id string) (Approval, error)
	// ListApprovals returns the approvals that match f, newest first, and an
	// opaque cursor for the next page ("" on the last page).
	ListApprovals(ctx context.Context, f ApprovalFilter) ([]Approval, string, error)
	// DecideApproval moves a pending approval to approved or rejected, as
	// one compare-and-set: of two concurrent deciders exactly one succeeds
	// and the other gets ErrNotPending. Errors: ErrNotFound,
	// ErrSelfApproval (approver is the requester), ErrNotPending, and
	// ErrExpired when now ≥ ExpiresAt (the approval is then marked expired).
	DecideApproval(ctx context.Context, id, approver string, approve bool, comment string, now time.Time) (Approval, error)
	// ClaimApprovalRun moves an approved approval to running. It returns
	// true for exactly one caller ever, so an approved command runs at most
	// once; false when the approval is in any other state.
	ClaimApprovalRun(ctx context.Context, id string) (bool, error)
	// FinishApproval records the outcome of a running approval: status is
	// ApprovalExecuted or ApprovalFailed, result the command's result (JSON)
	// and auditSeq the audit record of the run. ErrNotPending when the
	// approval is not running.
	FinishApproval(ctx context.Context, id string, status ApprovalStatus, result []byte, auditSeq int64) (Approval, error)
	// CancelApproval cancels a pending approval on behalf of its requester.
	// Errors: ErrNotFound, ErrNotRequester, ErrNotPending, ErrExpired.
	CancelApproval(ctx context.Context, id, requester string, now time.Time) (Approval, error)
	// ExpireApprovals marks every pending approval with ExpiresAt ≤ now as
	// expired and returns how many it marked.
	ExpireApprovals(ctx context.Context, now time.Time) (int64, error)

	// EnqueueWriteBack queues a write-back on its own, without an audit
	// record (an approval's outcome, say). It fills in the same fields as
	// AppendAudit does for AuditRecord.WriteBack, with CreatedAt and
	// NextAttemptAt the current time; AuditSeq is kept as given (the record
	// the entry is about, or 0). See WriteBack for the bounds it enforces.
	EnqueueWriteBack(ctx context.Context, wb WriteBack) (WriteBack, error)
	// ClaimWriteBacks leases up to limit (at most 500) due write-backs to
	// owner, oldest (CreatedAt) first: queued ones whose NextAttemptAt ≤
	// now, and delivering ones whose lease ran out (the replica that held
	// them died). Each is moved to delivering, leased to owner until
	// now+lease (its NextAttemptAt), and its Attempts incremented. Safe
	// across processes: two replicas never hold the same write-back at once.
	ClaimWriteBacks(ctx context.Context, owner string, limit int, lease time.Duration, now time.Time) ([]WriteBack, error)
	// FinishWriteBack records the outcome of a delivery attempt and returns
	// the updated write-back (an Interrupted outcome gives the attempt
	// back). Only the current lease holder may: ErrNotPending
	// when the write-back is not delivering under owner's lease (a replica
	// whose lease ran out and was taken over cannot overwrite the new
	// holder's outcome); ErrNotFound when there is no such write-back.
	FinishWriteBack(ctx context.Context, id, owner string, o WriteBackOutcome, now time.Time) (WriteBack, error)
	// GetWriteBack returns the write-back with the given ID, or ErrNotFound.
	GetWriteBack(ctx context.Context, id string) (WriteBack, error)
	// ListWriteBacks returns the write-backs that match f, newest first, and
	// an opaque cursor for the next page ("" on the last page).
	ListWriteBacks(ctx context.Context, f WriteBackFilter) ([]WriteBack, string, error)
	// PurgeWriteBacks deletes the delivered and failed write-backs whose
	// outcome was recorded before finishedBefore, and returns how many it
	// deleted. Queued and delivering ones are never deleted, however old.
	// It deletes in chunks, each its own transaction, so that SQLite's
	// single writer is never held for long.
	PurgeWriteBacks(ctx context.Context, finishedBefore time.Time) (int64, error)

	// AppendEvents stores the identity events not stored yet, keyed by
	// (Provider, ID), in one transaction, committed and on disk before it
	// returns, and reports how many were new: a redelivered or overlapping
	// batch stores each event once. With cp, the poll cursor cp.Name is set
	// to cp.Cursor in the same transaction, and only while cp.Owner holds
	// the lease cp.Name: otherwise nothing is stored and the error is
	// ErrLeaseLost. At most MaxEventsPerAppend events.
	AppendEvents(ctx context.Context, events []Event, cp *PollCheckpoint) (int, error)
	// GetEvent returns the event with the provider's id (provider "" means
	// either), or ErrNotFound.
	GetEvent(ctx context.Context, provider, id string) (Event, error)
	// ListEvents returns the events that match f, the most recent (by
	// Time) first, and an opaque cursor for the next page ("" on the last).
	ListEvents(ctx context.Context, f EventFilter) ([]Event, string, error)
	// PurgeEvents deletes the events received before receivedBefore, in
	// chunks of their own transactions, and returns how many it deleted.
	PurgeEvents(ctx context.Context, receivedBefore time.Time) (int64, error)
	// PollCursor returns the cursor AppendEvents last saved under name, or
	// "" when there is none.
	PollCursor(ctx context.Context, name string) (string, error)
	// AcquireLease makes owner the holder of lease name until now+ttl, and
	// reports whether it is: true when the lease was free, expired or
	// already owner's (a renewal); false while another owner holds it.
	// Safe across processes: one holder at a time.
	AcquireLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) (bool, error)
	// ReleaseLease gives up owner's lease name, so another replica can
	// take it at once; nothing happens when owner does not hold it.
	ReleaseLease(ctx context.Context, name, owner string) error

	// UndecidedEvents returns up to limit (at most MaxDecisionsPerRecord)
	// events the rules have not decided, in Seq order.
	UndecidedEvents(ctx context.Context, limit int) ([]Event, error)
	// DecidedEvents returns up to limit decided events with Seq > afterSeq
	// that happened at or after since, in Seq order.
	DecidedEvents(ctx context.Context, afterSeq int64, since time.Time, limit int) ([]Event, error)
	// RecordDecisions stores decisions, queues their deliveries and marks
	// their events decided in one transaction, only while lease.Owner
	// holds lease.Name (else ErrLeaseLost, nothing stored). Deciding an
	// event twice is an error.
	RecordDecisions(ctx context.Context, lease DecisionLease, ds []Decision) ([]Decision, error)
	// GetDecision returns the decision on an event, or ErrNotFound.
	GetDecision(ctx context.Context, provider, id string) (Decision, error)
	// GroupOf returns the first decision of a group decided at or after
	// since and how many it holds from there, or ErrNotFound.
	GroupOf(ctx context.Context, key string, since time.Time) (Decision, int, error)

	// Close waits for queued writes to commit and closes the database.
	Close() error
}

// Errors returned by Store methods, possibly wrapped: test with errors.Is.
var (
	// ErrNotFound: no audit record, approval or idempotency claim by that key.
	ErrNotFound = errors.New("store: not found")
	// ErrSelfApproval: the approver is the requester; a second person must decide.
	ErrSelfApproval = errors.New("store: the requester cannot decide their own approval")
	// ErrNotPending: the approval is not in the state the operation needs —
	// pending for a decision or a cancellation, running for FinishApproval —
	// typically because someone else already decided, cancelled or ran it.
	// FinishWriteBack returns it too, when the caller no longer holds the
	// write-back's lease.
	ErrNotPending = errors.New("store: not pending")
	// ErrExpired: the approval expired before it was decided or cancelled.
	ErrExpired = errors.New("store: approval has expired")
	// ErrNotRequester: only the requester may cancel an approval.
	ErrNotRequester = errors.New("store: only the requester can cancel an approval")
	// ErrInvalidCursor: a paging cursor that this store did not hand out.
	ErrInvalidCursor = errors.New("store: invalid cursor")
)

// AuditRecord is one entry of the audit log: who ran which command against
// whom, why (the incident), and what happened.
type AuditRecord struct {
	Seq       int64     `json:"seq"`
	Time      time.Time `json:"time"`
	RequestID string    `json:"request_id"`
	Subject   string    `json:"subject"`
	// Command is what was done: for a provider-neutral command, the
	// provider command it ran as.
	Command string `json:"command"`
	// RequestedAs is the name the call was asked by when it differs from
	// Command (lock-user for okta-suspend-user); "" otherwise.
	RequestedAs string `json:"requested_as,omitempty"`
	// Args are the call's arguments as asked, already redacted by the caller.
	Args json.RawMessage `json:"args,omitempty"`
	// Incident is the incident context of the call; nil when none. Its "id"
	// member is what AuditFilter.IncidentID matches.
	Incident   json.RawMessage `json:"incident,omitempty"`
	TargetUser string          `json:"target_user,omitempty"`
	// Outcome is success, provider_error, rejected, pending_approval or error.
	Outcome        string `json:"outcome"`
	ProviderStatus int    `json:"provider_status,omitempty"`
	ProviderCode   string `json:"provider_code,omitempty"`
	Detail         string `json:"detail,omitempty"`
	DurationMS     int64  `json:"duration_ms"`
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	ApprovalID     string `json:"approval_id,omitempty"`
	Approver       string `json:"approver,omitempty"`
	// PrevHash is the Hash of record Seq-1 (64 zeros for record 1) and Hash
	// the hex SHA-256 of PrevHash and every other field; see auditHash.
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`

	// WriteBack, when set, is queued in the same transaction as the record,
	// so the entry exists if and only if the record does. AppendAudit fills
	// in its ID, AuditSeq, Status (queued), CreatedAt and NextAttemptAt (the
	// record's Time) and returns the stored write-back here. It is not part
	// of the hash, and reads (GetAudit, ListAudit) leave it nil.
	WriteBack *WriteBack `json:"-"`
	// WriteBackID is the ID of the write-back queued with the record ("" when
	// none). It is kept with the record but not hashed: it points into the
	// queue, it is not part of what happened.
	WriteBackID string `json:"writeback_id,omitempty"`
}

// AuditFilter selects audit records. Empty fields do not filter.
type AuditFilter struct {
	// Command matches the command done or the name it was requested as.
	Command    string
	Subject    string
	TargetUser string
	IncidentID string
	Outcome    string
	Since      time.Time // inclusive
	Until      time.Time // exclusive
	Limit      int       // default 50, at most 500
	Cursor     string    // the next value of the previous page
}

// AuditVerification is the result of VerifyAudit.
type AuditVerification struct {
	Checked     int64  `json:"checked"`                // records read
	OK          bool   `json:"ok"`                     // every record verified
	FirstBroken int64  `json:"first_broken,omitempty"` // Seq of the first record that does not verify
	Reason      string `json:"reason,omitempty"`       // why it does not verify
	// Head is the Hash of the last verified record. Keeping it somewhere
	// else (a ticket, a SIEM) detects even a rewrite of the whole chain.
	// When every record was pruned it is the anchor's hash.
	Head string `json:"head,omitempty"`
	// AnchorSeq and AnchorHash are where the kept chain starts: the last
	// pruned record, whose Hash the first kept record's PrevHash must be.
	// Zero and empty before any prune (the chain starts at genesis). The
	// pruned records are in the export files; VerifyAuditHistory checks
	// that they end exactly here.
	AnchorSeq  int64  `json:"anchor_seq,omitempty"`
	AnchorHash string `json:"anchor_hash,omitempty"`
}

// IdemKey names an idempotency key. Keys are scoped by the caller's subject,
// so two callers cannot collide or replay each other's responses.
type IdemKey struct {
	Subject string
	Key     string
	Command string
}

// IdemState is the outcome of BeginIdempotent.
type IdemState string

const (
	// IdemNew: the caller now owns the key and must run the call, then
	// CompleteIdempotent or ReleaseIdempotent.
	IdemNew IdemState = "new"
	// IdemReplay: the call already ran; IdemClaim.Response is its response.
	IdemReplay IdemState = "replay"
	// IdemInProgress: another request owns the key and has not finished.
	IdemInProgress IdemState = "in_progress"
	// IdemMismatch: the key was used with a different request (body or
	// command); the caller answers 422.
	IdemMismatch IdemState = "mismatch"
)

// IdemClaim is the result of BeginIdempotent.
type IdemClaim struct {
	State    IdemState
	Response StoredResponse // set when State is IdemReplay
}

// StoredResponse is the response kept for replaying an idempotent call.
type StoredResponse struct {
	Status int               `json:"status"`
	Header map[string]string `json:"header,omitempty"`
	Body   []byte            `json:"body,omitempty"`
}

// ApprovalStatus is where an approval is in its life:
// pending → approved → running → executed | failed, or
// pending → rejected | expired | cancelled.
type ApprovalStatus string

const (
	ApprovalPending   ApprovalStatus = "pending"
	ApprovalApproved  ApprovalStatus = "approved"
	ApprovalRejected  ApprovalStatus = "rejected"
	ApprovalExpired   ApprovalStatus = "expired"
	ApprovalCancelled ApprovalStatus = "cancelled"
	ApprovalRunning   ApprovalStatus = "running"
	ApprovalExecuted  ApprovalStatus = "executed"
	ApprovalFailed    ApprovalStatus = "failed"
)

// Approval is a command call waiting for, or carried out after, a second
// person's decision.
type Approval struct {
	ID     string         `json:"id"`
	Status ApprovalStatus `json:"status"`
	// Command and Args are the call as asked.
	Command string `json:"command"`
	// Effective is the provider command the call resolved to, when that
	// differs from Command (okta-suspend-user for lock-user): what the
	// approver approves, and what must run.
	Effective  string          `json:"effective_command,omitempty"`
	Args       json.RawMessage `json:"args,omitempty"`
	Incident   json.RawMessage `json:"incident,omitempty"`
	Requester  string          `json:"requester"`
	RequestID  string          `json:"request_id,omitempty"`
	Reason     string          `json:"reason,omitempty"`
	CreatedAt  time.Time       `json:"created_at"`
	ExpiresAt  time.Time       `json:"expires_at"`
	Approver   string          `json:"approver,omitempty"`
	Comment    string          `json:"comment,omitempty"`
	DecidedAt  *time.Time      `json:"decided_at,omitempty"`
	Result     json.RawMessage `json:"result,omitempty"`
	AuditSeq   int64           `json:"audit_seq,omitempty"`
	FinishedAt *time.Time      `json:"finished_at,omitempty"`
}

// EffectiveOrCommand is the command an approval's call does.
func (a Approval) EffectiveOrCommand() string {
	if a.Effective != "" {
		return a.Effective
	}
	return a.Command
}

// RequestedAs is the name the call was asked by, when it differs from the
// command it does; "" otherwise.
func (a Approval) RequestedAs() string {
	if a.Effective != "" && a.Effective != a.Command {
		return a.Command
	}
	return ""
}

// SameSubject reports whether two token subjects name the same person, the
// way four-eyes rules must compare them: without regard to case or
// surrounding space ("Alice " is alice).
func SameSubject(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// ApprovalFilter selects approvals. Empty fields do not filter.
type ApprovalFilter struct {
	Status    ApprovalStatus
	Requester string
	Command   string // as asked or as resolved (Approval.Effective)
	Limit     int    // default 50, at most 500
	Cursor    string // the next value of the previous page
}

// WriteBackStatus is where a write-back is in its life:
// queued → delivering → delivered | failed, or back to queued for a retry.
// A delivering write-back whose lease runs out is claimable again.
type WriteBackStatus string

const (
	WriteBackQueued     WriteBackStatus = "queued"
	WriteBackDelivering WriteBackStatus = "delivering"
	WriteBackDelivered  WriteBackStatus = "delivered"
	WriteBackFailed     WriteBackStatus = "failed"
)

// Write-back platforms: WriteBack.Platform is one of these.
const (
	PlatformXSOAR = "xsoar"
	PlatformXDR   = "xdr"
	// PlatformIdcmd is a delivery idcmd makes to itself: an automated
	// response, run through the Invoker.
	PlatformIdcmd = "idcmd"
	// PlatformPrisma is Prisma Cloud, read for a user's cloud blast radius.
	PlatformPrisma = "prisma"
)

// Write-back kinds: what a WriteBack delivers. Packages that deliver
// other kinds name their own; the store only requires an entry to name
// its incident.
const (
	// KindEntry is an XSOAR war-room entry or an XDR incident comment
	// about a command's outcome (the default).
	KindEntry = "entry"
)

// MaxWriteBackMarkdown bounds WriteBack.Markdown in bytes. Longer Markdown is
// cut (at a character boundary) and ends with WriteBackTruncatedNote, so a
// huge readable table still leaves an entry rather than no entry.
const MaxWriteBackMarkdown = 64 << 10

// WriteBackTruncatedNote ends Markdown that was cut to MaxWriteBackMarkdown.
const WriteBackTruncatedNote = "\n\n… truncated by idcmd"

// WriteBack is one entry to write to an incident: an XSOAR war-room entry or
// an XDR incident comment. It is queued with the command's audit record (or
// on its own) and delivered by a worker, so the command's response never
// waits on the incident platform and the entry survives a restart.
type WriteBack struct {
	ID string `json:"id"` // "wb_" and 20 base32 characters
	// Kind is what is delivered: KindEntry, or a delivery of the event
	// rules (an XDR alert, an XSOAR incident, an automated response).
	Kind     string `json:"kind"`
	AuditSeq int64  `json:"audit_seq"` // the audit record the entry is about, 0 if none
	Platform string `json:"platform"`  // PlatformXSOAR, PlatformXDR or PlatformIdcmd
	// IncidentID is the incident an entry goes to; "" for a delivery that
	// creates one.
	IncidentID string `json:"incident_id,omitempty"`
	// EventProvider and EventID name the identity event a delivery of the
	// event rules is for; "" for a command's entry.
	EventProvider string `json:"event_provider,omitempty"`
	EventID       string `json:"event_id,omitempty"`
	// Payload is what the delivery needs beyond the event (JSON; its
	// kind's shape); Result what it produced (JSON: the incident it
	// created, the audit record of a response), at most 64 KiB.
	Payload         json.RawMessage `json:"payload,omitempty"`
	Result          json.RawMessage `json:"result,omitempty"`
	InvestigationID string          `json:"investigation_id,omitempty"`
	// Markdown is the entry, at most MaxWriteBackMarkdown bytes.
	Markdown string          `json:"markdown"`
	Note     bool            `json:"note"` // XSOAR: flag the entry as a note
	Status   WriteBackStatus `json:"status"`
	// Attempts counts the claims, including one whose holder died.
	Attempts int `json:"attempts"`
	// NextAttemptAt is when the write-back is due: for a queued one, its
	// next attempt; while delivering, the end of the lease, after which
	// another replica may take it over.
	NextAttemptAt time.Time `json:"next_attempt_at"`
	// LastError is why the latest failed attempt failed. It is kept after a
	// later attempt delivers, as a record of what the delivery went through.
	LastError   string     `json:"last_error,omitempty"`
	RemoteID    string     `json:"remote_id,omitempty"` // the entry's ID on the platform (XSOAR's entry id)
	CreatedAt   time.Time  `json:"created_at"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
}

// WriteBackFilter selects write-backs. Empty fields do not filter.
type WriteBackFilter struct {
	Status     WriteBackStatus
	IncidentID string
	// EventID (with EventProvider, when set) keeps the deliveries for one
	// identity event.
	EventProvider, EventID string
	Kind                   string
	Limit                  int    // default 50, at most 500
	Cursor                 string // the next value of the previous page
}

// WriteBackOutcome is the outcome of one delivery attempt.
type WriteBackOutcome struct {
	// Delivered: the platform took the entry; the write-back becomes
	// delivered and keeps RemoteID.
	Delivered bool
	RemoteID  string
	// Result is what the attempt produced (JSON), kept whatever the
	// outcome; nil keeps the one stored.
	Result json.RawMessage
	// Err is why the attempt failed, shown as LastError.
	Err string
	// Permanent: a failure a retry cannot heal (a closed investigation);
	// the write-back becomes failed.
	Permanent bool
	// RetryAt is when a failed, not permanent attempt is tried again: the
	// write-back goes back to queued, due at RetryAt (now when zero).
	RetryAt time.Time
	// Interrupted: the attempt was cut off by this replica's shutdown, or
	// never started (claimed, then released, or put off because what it
	// needs is not there yet). It does not count: the write-back goes back
	// to queued, due at RetryAt (now when zero), with the claim's increment
	// of Attempts undone and the lease cleared; LastError is kept, or set
	// to Err. It cannot be delivered, permanent or produce anything. An attempt cut off after the platform
	// received the entry is delivered again: delivery is at least once.
	Interrupted bool
}

// Open opens (creating if needed) the store named by dsn and applies the
// embedded schema migrations:
//
//   - "" or "sqlite": the SQLite file <dataDir>/idcmd.db; dataDir is created
//     (mode 0700) if missing.
//   - "sqlite:<path>": the SQLite file at path.
//   - "sqlite::memory:" or a "file:" URI (e.g. "file::memory:"): SQLite for
//     tests; an in-memory database lives as long as the Store.
//   - "postgres://…" or "postgresql://…": PostgreSQL. Parameters that are not
//     connection settings, such as search_path, are sent to the server as
//     session settings.
func Open(ctx context.Context, dsn string, dataDir string) (Store, error) {
	switch {
	case dsn == "" || dsn == "sqlite":
		if dataDir == "" {
			return nil, errors.New("store: a data directory is required for the SQLite store")
		}
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("store: create data directory: %w", err)
		}
		return openSQLite(ctx, filepath.Join(dataDir, "idcmd.db"))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn)
	case strings.HasPrefix(dsn, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"))
	case strings.HasPrefix(dsn, "file:"):
		return openSQLite(ctx, dsn)
	default:
		scheme, _, _ := strings.Cut(dsn, ":")
		return nil, fmt.Errorf("store: unsupported DSN scheme %q: want sqlite, file: or postgres://", scheme)
	}
}
