package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/idcmd/idcmd/panics"
	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/pingone"
	"github.com/idcmd/idcmd/providers/prisma"
	"github.com/idcmd/idcmd/providers/xdr"
	"github.com/idcmd/idcmd/providers/xsoar"
	"github.com/idcmd/idcmd/store"
)

// Providers are the provider clients commands run against. A nil client means
// the provider is not configured.
type Providers struct {
	Okta    *okta.Client
	PingOne *pingone.Client
	Prisma  *prisma.Client
	// XSOAR and XDR are the incident platforms: write-back delivers to
	// them, and the workflows about an incident read it through these.
	XSOAR *xsoar.Client
	XDR   *xdr.Client
	// CursorKey signs the cursors paged commands hand out (see CursorKey
	// in paging.go); nil means a key random per process.
	CursorKey []byte
	// Hooks is how idcmd's event intake authenticates deliveries: the
	// commands that register an Okta event hook or a PingOne subscription
	// configure the provider to send exactly this.
	Hooks HookAuth
}

// HookAuth is the header and shared secret each provider's deliveries to
// /okta/webhook and /pingone/webhook must carry (okta.webhook_header and
// okta.webhook_secret, pingone.webhook_header and pingone.webhook_secret).
// An empty secret means that intake is off.
type HookAuth struct {
	OktaHeader, OktaSecret       string
	PingOneHeader, PingOneSecret string
}

// String names the headers and whether each secret is set, never a secret.
func (h HookAuth) String() string {
	set := func(s string) string {
		if s == "" {
			return "unset"
		}
		return "set"
	}
	return fmt.Sprintf("okta: %s (%s), pingone: %s (%s)", h.OktaHeader, set(h.OktaSecret), h.PingOneHeader, set(h.PingOneSecret))
}

// Format is String under every verb (%v, %+v, %#v), so a Providers printed
// in a log or a test failure shows no secret.
func (h HookAuth) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, h.String()) }

// Caller is who asked, as the authentication layer established it.
type Caller struct {
	Subject string
	Scopes  []string
}

// Has reports whether the caller holds scope.
func (c Caller) Has(scope string) bool { return slices.Contains(c.Scopes, scope) }

// Request is one run of a command, from any path: HTTP, an approval, an
// automated response.
type Request struct {
	Command   string
	Args      any // from Command.NewArgs, decoded and validated
	Incident  *Incident
	Caller    Caller
	RequestID string
	// IdempotencyKey makes a state-changing call run at most once.
	IdempotencyKey string
	// Automated marks a run started by an event rule, not a person.
	Automated bool
	// Hold is a reason the caller asks the gate to hold the call for
	// approval (the automation rate limit): it can only add a hold, never
	// remove one, and is ignored for a call that changes nothing.
	Hold string
	// NoWriteBack keeps the call's outcome out of the incident while the
	// audit record still names the incident: a call from idcmd's own XSOAR
	// integration already is an entry in that war room.
	NoWriteBack bool
	// approval is set when an approved call runs; only Decide (and a
	// workflow's steps under an approved workflow) set it.
	approval *store.Approval
	// workflow names the workflow command a step call belongs to.
	workflow string
}

// Result is a successful run, with XSOAR CommandResults field names so a thin
// integration can do return_results(CommandResults(**body)).
type Result struct {
	ResultMeta
	// The typed result, stored in XSOAR context under outputs_prefix.
	Outputs any `json:"outputs"`
	// Approval is set when the call waits for a second person (HTTP 202).
	Approval *PendingApproval `json:"approval,omitempty"`
	// Replayed is set when the outcome was stored under the idempotency key.
	Replayed bool `json:"-"`
	// secrets are the one-time secrets in this answer; stored copies of it
	// are redacted (see redactSecrets).
	secrets []string
}

// ResultMeta is every field of a Result but the typed outputs; the OpenAPI
// document pairs it with each command's own outputs type.
type ResultMeta struct {
	// The command that was called.
	Command string `json:"command" example:"okta-suspend-user"`
	// For a provider-neutral command: the provider command it ran as (lock-user on Okta runs okta-suspend-user); approvals, audit and idempotency apply to it.
	EffectiveCommand string `json:"effective_command,omitempty" example:"okta-suspend-user"`
	// Set on a stored copy of an answer (an idempotent replay, an approval's result) whose one-time secrets were delivered once, in the original answer, and are not stored.
	SecretsWithheld bool `json:"secrets_withheld,omitempty"`
	// The request's id, also in X-Request-Id and the logs.
	RequestID string `json:"request_id" example:"6f1c2d0e-6d1b-4c53-9a4e-2b9f0c1e7a10"`
	// XSOAR context path the outputs land under.
	OutputsPrefix string `json:"outputs_prefix" example:"Okta.User"`
	// Field XSOAR uses to merge repeated outputs.
	OutputsKeyField string `json:"outputs_key_field" example:"ID"`
	// Markdown table for the war room.
	ReadableOutput string `json:"readable_output" example:"### Okta user suspended"`
	// The provider's answer as it sent it.
	RawResponse any `json:"raw_response"`
	// On paged commands: pass it back as the cursor argument for the next page.
	NextCursor string `json:"next_cursor,omitempty"`
	// The call's record in the audit log (GET /api/v1/audit).
	AuditID int64 `json:"audit_id,omitempty" example:"1042"`
	// Where the outcome is being written back, when the call had incident context.
	Writeback *WritebackRef `json:"writeback,omitempty"`
}

// Errors the Invoker returns; the HTTP layer maps them.
var (
	// ErrUnknownCommand: no command of that name in the catalog.
	ErrUnknownCommand = errors.New("unknown command")
	// ErrForbidden: the caller's token lacks the scope the command needs.
	ErrForbidden = errors.New("missing scope")
	// ErrProviderNotConfigured: the command's provider has no credentials here.
	ErrProviderNotConfigured = errors.New("provider not configured")
)

// ScopeError says which scope was missing.
type ScopeError struct{ Scope string }

func (e *ScopeError) Error() string { return "the token lacks the " + e.Scope + " scope" }
func (e *ScopeError) Unwrap() error { return ErrForbidden }

// Observer is told about every run, for metrics. outcome is "success",
// "rejected" (scope, bad input) or "error".
type Observer func(command, outcome string, elapsed time.Duration)

// Invoker is the one way to run a command. Every path goes through Invoke,
// so no path can skip a check. The order of steps is fixed here:
// authorize → validate → idempotency → resolve (a provider-neutral command
// becomes the provider command it runs) → approval gate → run → audit
// record and write-back (one transaction) → result.
type Invoker struct {
	Catalog   *Catalog
	Providers Providers
	Validator *Validator
	Observe   Observer
	// Store keeps the audit log, idempotency keys and approvals; nil (in
	// unit tests only) turns all three off.
	Store store.Store
	// Policy says which calls need a second person.
	Policy ApprovalPolicy
	// IdempotencyTTL is how long a key is remembered (default 24 h).
	IdempotencyTTL time.Duration
	// ApprovalTTL is how long an approval may stay pending (default 1 h).
	ApprovalTTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnWriteBack is called after a write-back is queued, to wake the
	// delivery worker instead of letting it wait for its next poll.
	OnWriteBack func()
	// Log reports audit records that could not be written after the answer.
	Log *slog.Logger
	// SyncReadAudit makes reads wait for their audit record (committed and
	// flushed) before answering, like writes (BenchmarkProcessSyncReadAudit
	// measures what it costs).
	SyncReadAudit bool

	// later counts read records still on their way to the store.
	later sync.WaitGroup
}

// NewInvoker wires a catalog to provider clients.
func NewInvoker(cat *Catalog, p Providers) *Invoker {
	return &Invoker{Catalog: cat, Providers: p, Validator: NewValidator()}
}

// Lookup returns the named command or ErrUnknownCommand.
func (inv *Invoker) Lookup(name string) (Command, error) {
	cmd, ok := inv.Catalog.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownCommand, name)
	}
	return cmd, nil
}

// Authorize checks that the caller may run cmd. It is part of Invoke, and
// exported so the HTTP layer can refuse before reading a large body.
func (inv *Invoker) Authorize(cmd Command, c Caller) error {
	scope := cmd.Info().Risk.Scope()
	if !c.Has(scope) {
		return &ScopeError{Scope: scope}
	}
	return nil
}

// Invoke runs req.Command for req.Caller. A panic anywhere in the call
// comes back as its error (a panic in the command's run is also its audit
// record, see gateAndRun), so a background caller such as an automated
// response survives a faulty command.
func (inv *Invoker) Invoke(ctx context.Context, req Request) (res *Result, err error) {
	start := time.Now()
	err = panics.Contain(inv.Log, "command call", func() (err error) {
		res, err = inv.invoke(ctx, req)
		return err
	})
	if err != nil {
		res = nil
	}
	if inv.Observe != nil {
		inv.Observe(req.Command, outcomeOf(err), time.Since(start))
	}
	return res, err
}

func (inv *Invoker) invoke(ctx context.Context, req Request) (*Result, error) {
	cmd, err := inv.Lookup(req.Command)
	if err != nil {
		return nil, err
	}
	info := cmd.Info()
	// A step of an approved workflow was authorized when the workflow was
	// asked; its authority now is the approval.
	if req.approval == nil {
		if err := inv.Authorize(cmd, req.Caller); err != nil {
			return nil, inv.refuse(ctx, req, info.Name, err)
		}
	}
	if err := inv.Validator.Check(req.Args, req.Incident); err != nil {
		return nil, inv.refuse(ctx, req, info.Name, err)
	}
	if info.NeedsIncident && req.Incident == nil {
		return nil, inv.refuse(ctx, req, info.Name, inputError("The request is invalid", "body.incident", "is required: "+info.Name+" acts on the incident it names"))
	}
	if info.Risk.ChangesState() && req.IdempotencyKey != "" && inv.Store != nil {
		return inv.once(ctx, req, cmd)
	}
	return inv.resolveAndRun(ctx, req, cmd)
}

// plan is what a call really does: the command the caller named, and the
// command that acts — the same one, or for a provider-neutral command the
// provider command it resolved to. Everything after resolution (the gate,
// the run, the audit record) looks at runs.
type plan struct {
	asked     Info
	runs      Command
	args      any // runs' arguments
	translate func(Reply[any]) (Reply[any], error)
}

// name is what was done; via is the name it was asked by when that differs.
func (p plan) name() string { return p.runs.Info().Name }
func (p plan) via() string {
	if p.asked.Name == p.name() {
		return ""
	}
	return p.asked.Name
}

// effective is the provider command a neutral command ran as, "" when the
// command ran as itself: the answer's effective_command.
func (p plan) effective() string {
	if p.via() == "" {
		return ""
	}
	return p.name()
}

// label names the call for a person: "lock-user (okta-suspend-user)".
func (p plan) label() string {
	if v := p.via(); v != "" {
		return v + " (" + p.name() + ")"
	}
	return p.name()
}

// resolve turns a call into its plan. A delegating command is resolved to
// the catalog's own declaration of the provider command, which must pass
// the same scope and validation checks as if it had been called directly.
func (inv *Invoker) resolve(ctx context.Context, req Request, cmd Command) (plan, error) {
	pl := plan{asked: cmd.Info(), runs: cmd, args: req.Args}
	var d *delegation
	err := panics.ContainNamed(inv.Log, "resolution of", pl.asked.Name, func() (err error) {
		d, err = cmd.delegate(ctx, inv.Providers, req.Args)
		return err
	})
	if err != nil || d == nil {
		return pl, err
	}
	runs, err := inv.Lookup(d.cmd.Info().Name)
	if err != nil {
		return pl, fmt.Errorf("commands: %s delegates outside the catalog: %w", pl.asked.Name, err)
	}
	// An approved call was authorized when it was asked; its authority now
	// is the approval.
	if err := inv.Authorize(runs, req.Caller); err != nil && req.approval == nil {
		return pl, err
	}
	if err := inv.Validator.Check(d.args, nil); err != nil {
		return pl, err
	}
	pl.runs, pl.args, pl.translate = runs, d.args, d.translate
	return pl, nil
}

// resolveAndRun resolves a call and passes it through the gate and the run.
// A call that cannot be resolved (the user does not exist, the provider is
// not configured) is recorded as a failed run of the command asked for.
func (inv *Invoker) resolveAndRun(ctx context.Context, req Request, cmd Command) (*Result, error) {
	pl, err := inv.resolve(ctx, req, cmd)
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) || errors.Is(err, ErrForbidden) {
			return nil, inv.refuse(ctx, req, pl.asked.Name, err)
		}
		return inv.finish(ctx, req, pl, Reply[any]{}, err, 0)
	}
	return inv.gateAndRun(ctx, req, pl)
}

// refuse records a call that was not allowed to run (denied calls are
// audited too) and returns why. A refused call writes nothing into any
// incident — its caller may not be entitled to — and its record keeps only
// bounded fields, so a caller without a scope cannot grow the log at will.
func (inv *Invoker) refuse(ctx context.Context, req Request, name string, why error) error {
	rec := draftRecord(req, name, "")
	bound(&rec)
	rec.Outcome = OutcomeRejected
	rec.Detail = rejectedDetail(why)
	out, err := inv.record(ctx, rec)
	if err != nil {
		return err
	}
	return &AuditedError{AuditID: out.Seq, Err: why}
}

// gateAndRun holds the call for approval where policy asks, or runs it
// against the provider and records the outcome before answering.
func (inv *Invoker) gateAndRun(ctx context.Context, req Request, pl plan) (*Result, error) {
	if req.approval == nil && inv.Store != nil {
		why, err := inv.approvalReason(ctx, req, pl)
		if err != nil {
			return inv.finish(ctx, req, pl, Reply[any]{}, err, 0)
		}
		if why != "" {
			return inv.requestApproval(ctx, req, pl, why)
		}
	}
	start := time.Now()
	// A panic in the run is the call's failure, recorded like any other:
	// an error outcome whose detail names the panic (the stack is only in
	// the log), a 500 for an HTTP caller, an error for one in process.
	var reply Reply[any]
	runErr := panics.ContainNamed(inv.Log, "command", pl.name(), func() (err error) {
		var steps *Steps
		if pl.runs.Info().Workflow {
			steps = &Steps{inv: inv, parent: req, covered: map[string]bool{}}
		}
		reply, err = pl.runs.run(ctx, inv.Providers, steps, pl.args)
		if err == nil && pl.translate != nil {
			reply, err = pl.translate(reply)
		}
		return err
	})
	var hold *holdError
	if errors.As(runErr, &hold) && req.approval == nil {
		// A workflow found a step that needs a second person before it
		// acted: the whole call waits for one approval.
		return inv.requestApproval(ctx, req, pl, hold.reason)
	}
	return inv.finish(ctx, req, pl, reply, runErr, time.Since(start))
}

// finish records a run's outcome and builds its answer.
func (inv *Invoker) finish(ctx context.Context, req Request, pl plan, reply Reply[any], runErr error, elapsed time.Duration) (*Result, error) {
	info := pl.runs.Info()
	rec := draftRecord(req, pl.name(), pl.via())
	settle(&rec, runErr, elapsed)
	if !req.NoWriteBack {
		e := resultEntry(info, req, reply.Readable, runErr)
		e.command = pl.label()
		rec.WriteBack = writebackFor(req.Incident, e)
		if rec.WriteBack != nil {
			rec.WriteBack.Markdown = redactSecrets(rec.WriteBack.Markdown, reply.Secrets, req.RequestID)
		}
	}
	if !info.Risk.ChangesState() && rec.WriteBack == nil && inv.Store != nil && !inv.SyncReadAudit {
		// A read changes nothing, so its answer does not wait for its
		// record: waiting would more than double a read's cost. The record
		// joins the store's next group commit (within milliseconds, without
		// a flush of its own) and Drain waits for it at shutdown; only a
		// crash of idcmd in that window can lose it. Reads with incident
		// context stay synchronous: their write-back must be acknowledged.
		inv.recordLater(rec)
		if runErr != nil {
			return nil, fmt.Errorf("%s: %w", pl.asked.Name, runErr)
		}
		return inv.result(pl, req, reply, store.AuditRecord{}), nil
	}
	stored, auditErr := inv.record(ctx, rec)
	if runErr != nil {
		runErr = fmt.Errorf("%s: %w", pl.label(), runErr)
		if auditErr != nil {
			return nil, errors.Join(runErr, auditErr)
		}
		return nil, &AuditedError{AuditID: stored.Seq, WritebackID: stored.WriteBackID, Err: runErr}
	}
	if auditErr != nil {
		return nil, auditErr
	}
	return inv.result(pl, req, reply, stored), nil
}

// result is a successful run's answer; stored is its audit record when it
// was written before the answer.
func (inv *Invoker) result(pl plan, req Request, reply Reply[any], stored store.AuditRecord) *Result {
	info := pl.asked
	return &Result{
		ResultMeta: ResultMeta{
			Command:          info.Name,
			EffectiveCommand: pl.effective(),
			RequestID:        req.RequestID,
			OutputsPrefix:    info.Context.Prefix,
			OutputsKeyField:  info.Context.Key,
			ReadableOutput:   reply.Readable,
			RawResponse:      reply.Raw,
			NextCursor:       reply.NextCursor,
			AuditID:          stored.Seq,
			Writeback:        writebackRef(stored),
		},
		Outputs: reply.Outputs,
		secrets: reply.Secrets,
	}
}

func outcomeOf(err error) string {
	var ie *InputError
	switch {
	case err == nil:
		return "success"
	case errors.Is(err, ErrForbidden), errors.Is(err, ErrUnknownCommand), errors.As(err, &ie):
		return "rejected"
	default:
		return "error"
	}
}
