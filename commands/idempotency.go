package commands

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/idcmd/idcmd/panics"
	"github.com/idcmd/idcmd/providers/upstream"
	"github.com/idcmd/idcmd/store"
)

// Idempotency errors; the HTTP layer maps them to 422 and 409.
var (
	// ErrIdempotencyMismatch: the key was used before with another body.
	ErrIdempotencyMismatch = errors.New("idempotency key reused with a different request")
	// ErrIdempotencyInProgress: the first request with this key is still running.
	ErrIdempotencyInProgress = errors.New("a request with this idempotency key is still running")
)

// MaxIdempotencyKey bounds the Idempotency-Key header.
const MaxIdempotencyKey = 255

// storedOutcome is what a finished call leaves under its idempotency key,
// so a retry gets the same answer without calling the provider again.
type storedOutcome struct {
	Result json.RawMessage `json:"result,omitempty"` // storedCopy of the Result

	Pending *PendingApproval `json:"pending,omitempty"`
	Error   *storedError     `json:"error,omitempty"`
}

// storedError keeps a definitive provider refusal (not found, state
// conflict, rejected input) for replay.
type storedError struct {
	Command    string        `json:"command"`
	Provider   string        `json:"provider"`
	Kind       upstream.Kind `json:"kind"`
	Status     int           `json:"status"`
	Code       string        `json:"code"`
	Message    string        `json:"message"`
	Causes     []string      `json:"causes,omitempty"`
	AuditID    int64         `json:"audit_id"`
	RetryAfter time.Duration `json:"retry_after,omitempty"`
}

// requestHash fingerprints what a key promises to repeat: the command, its
// arguments and the incident.
func requestHash(name string, args any, inc *Incident) string {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{0})
	a, _ := json.Marshal(args)
	h.Write(a)
	h.Write([]byte{0})
	i, _ := json.Marshal(inc)
	h.Write(i)
	return hex.EncodeToString(h.Sum(nil))
}

// once runs a state-changing call at most once per idempotency key: a
// replay returns the stored outcome, a different body is refused, and a
// concurrent duplicate waits for the first one's outcome.
func (inv *Invoker) once(ctx context.Context, req Request, cmd Command) (*Result, error) {
	info := cmd.Info()
	key := store.IdemKey{Subject: req.Caller.Subject, Key: req.IdempotencyKey, Command: info.Name}
	hash := requestHash(info.Name, req.Args, req.Incident)
	for {
		claim, err := inv.Store.BeginIdempotent(ctx, key, hash, inv.idempotencyTTL())
		if err != nil {
			return nil, fmt.Errorf("idempotency: %w", err)
		}
		switch claim.State {
		case store.IdemReplay:
			return replay(claim.Response.Body)
		case store.IdemMismatch:
			return nil, ErrIdempotencyMismatch
		case store.IdemInProgress:
			// Wait for the first request's outcome, not past our deadline.
			select {
			case <-ctx.Done():
				return nil, ErrIdempotencyInProgress
			case <-time.After(25 * time.Millisecond):
			}
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < 50*time.Millisecond {
				return nil, ErrIdempotencyInProgress
			}
			continue
		}
		// IdemNew: this request owns the key. A panic past the run (which
		// contains its own) must still settle the key, or it would stay
		// in progress until it expires.
		var res *Result
		runErr := panics.ContainNamed(inv.Log, "idempotent call of", info.Name, func() (err error) {
			res, err = inv.resolveAndRun(ctx, req, cmd)
			return err
		})
		inv.settleKey(ctx, key, res, runErr)
		return res, runErr
	}
}

// settleKey stores a definitive outcome under the key, or releases the key
// when the outcome says nothing about whether a retry would succeed
// (rate limit, provider down, timeout): the retry must run for real. A
// panic is such an outcome: whether the provider acted is unknown, as after
// a timeout, and a stored failure would refuse the retry for the key's
// whole TTL, even once the fault is fixed. The retry runs against the
// provider's own state rules (suspending a suspended user is a conflict),
// and the failed run already has its audit record.
func (inv *Invoker) settleKey(ctx context.Context, key store.IdemKey, res *Result, runErr error) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var out storedOutcome
	switch {
	case runErr == nil && res.Approval != nil:
		out.Pending = res.Approval
		out.Result = json.RawMessage(storedCopy(res))
	case runErr == nil:
		// A replay answers with the stored copy: its one-time secrets
		// were delivered once, in this answer, and are not kept.
		out.Result = json.RawMessage(storedCopy(res))
	default:
		ue := upstream.As(runErr)
		if ue == nil || !(ue.Kind == upstream.NotFound || ue.Kind == upstream.Conflict || ue.Kind == upstream.Invalid) {
			_ = inv.Store.ReleaseIdempotent(sctx, key)
			return
		}
		out.Error = &storedError{Command: key.Command, Provider: ue.Provider, Kind: ue.Kind, Status: ue.Status, Code: ue.Code, Message: ue.Message, Causes: ue.Causes, AuditID: auditIDOf(runErr)}
	}
	body, err := json.Marshal(out)
	if err != nil {
		_ = inv.Store.ReleaseIdempotent(sctx, key)
		return
	}
	if err := inv.Store.CompleteIdempotent(sctx, key, store.StoredResponse{Status: 200, Body: body}); err != nil {
		_ = inv.Store.ReleaseIdempotent(sctx, key)
	}
}

func replay(body []byte) (*Result, error) {
	var out storedOutcome
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("idempotency: stored outcome unreadable: %w", err)
	}
	if out.Error != nil {
		e := out.Error
		return nil, &AuditedError{AuditID: e.AuditID, Replayed: true, Err: fmt.Errorf("%s: %w", e.Command, &upstream.Error{
			Provider: e.Provider, Kind: e.Kind, Status: e.Status, Code: e.Code, Message: e.Message, Causes: e.Causes, RetryAfter: e.RetryAfter})}
	}
	if len(out.Result) == 0 {
		return nil, errors.New("idempotency: stored outcome is empty")
	}
	var res Result
	if err := json.Unmarshal(out.Result, &res); err != nil {
		return nil, fmt.Errorf("idempotency: stored result unreadable: %w", err)
	}
	res.Replayed = true
	return &res, nil
}

func (inv *Invoker) idempotencyTTL() time.Duration {
	if inv.IdempotencyTTL > 0 {
		return inv.IdempotencyTTL
	}
	return 24 * time.Hour
}

// AuditedError is a failed call that has an audit record; the problem
// response carries the record's id.
type AuditedError struct {
	AuditID     int64
	WritebackID string
	Replayed    bool
	Err         error
}

func (e *AuditedError) Error() string { return e.Err.Error() }
func (e *AuditedError) Unwrap() error { return e.Err }

func auditIDOf(err error) int64 {
	var ae *AuditedError
	if errors.As(err, &ae) {
		return ae.AuditID
	}
	return 0
}
