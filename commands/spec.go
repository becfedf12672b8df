// Package commands is idcmd's command model: every identity action is one
// Spec declaration, collected in one Catalog, and run through one Invoker.
// Everything else — the HTTP route, validation, the OpenAPI operation, the
// README table — is derived from the declarations, so a command cannot be
// documented one way and behave another. This package never imports Echo: a
// command can be run from a test with a fake provider and no HTTP at all.
package commands

import (
	"context"
	"fmt"
	"reflect"
)

// Risk says how much harm a command can do, and so which scope it needs and
// whether a later approval policy may hold it back.
type Risk string

const (
	// Read commands only look; they need the commands:read scope.
	Read Risk = "read"
	// Write commands change an identity's state reversibly (suspend, lock,
	// clear sessions); they need commands:write.
	Write Risk = "write"
	// Destructive commands cannot be undone by another command (deactivate
	// deprovisions every app); they need commands:write.
	Destructive Risk = "destructive"
)

// ChangesState reports whether the risk level is a state-changing one.
func (r Risk) ChangesState() bool { return r == Write || r == Destructive }

// Scope is the token scope a command of this risk needs.
func (r Risk) Scope() string {
	if r.ChangesState() {
		return ScopeWrite
	}
	return ScopeRead
}

// Scopes a caller's token can carry.
const (
	ScopeRead            = "commands:read"
	ScopeWrite           = "commands:write"
	ScopeApprovalsDecide = "approvals:decide"
	ScopeAuditRead       = "audit:read"
	// ScopeEventsRead reads the identity event log (GET /api/v1/events).
	ScopeEventsRead = "events:read"
)

// Provider names the identity provider a command acts on.
type Provider string

const (
	// Okta is the Okta Management API.
	Okta Provider = "okta"
	// PingOne is the PingOne Platform API.
	PingOne Provider = "pingone"
	// Prisma is the Prisma Cloud CSPM API: the cloud side of an identity
	// (its blast radius, Prisma's view of Okta, identity alerts).
	Prisma Provider = "prisma"
	// Neutral commands pick their provider from the arguments.
	Neutral Provider = "neutral"
)

// Context says where a result lands in XSOAR context: the outputs prefix and
// the key field XSOAR uses to merge repeated results (Okta.User / ID).
type Context struct {
	Prefix string
	Key    string
}

// Reply is what a command's Run returns: the typed outputs for XSOAR context,
// a Markdown table for the war room, and the provider's raw answer.
type Reply[R any] struct {
	Outputs  R
	Readable string
	Raw      any
	// NextCursor is set by paged commands when there is more to fetch.
	NextCursor string
	// Secrets are the one-time secrets (a reset link, a temporary password)
	// this reply hands to the caller. They go into the one HTTP answer of the
	// call that ran the command and nowhere else: every stored copy (approval
	// result, idempotency replay, write-back) has them replaced by a marker.
	Secrets []string
}

// Spec declares one command. A is the argument struct (json names are XSOAR
// argument names, validate tags the rules, doc comments the documentation);
// R is the typed result that lands in context.
type Spec[A any, R any] struct {
	Name        string
	Summary     string
	Description string
	Provider    Provider
	Context     Context
	Risk        Risk
	Run         func(ctx context.Context, p Providers, args A) (Reply[R], error)
	// Delegate replaces Run on a provider-neutral state-changing command: it
	// names the provider command a call really runs (lock-user on Okta is
	// okta-suspend-user) and its arguments. The Invoker resolves it before
	// the approval gate and runs the provider command itself, so policy,
	// audit and approvals apply to what is done, not to the name it was
	// asked by. Delegate may read (Okta's unlock-user reads the user's
	// status to pick unsuspend or unlock) but must never change anything.
	Delegate func(ctx context.Context, p Providers, args A) (Delegation[R], error)
	// RevealsSecret reports whether a call with these arguments hands a
	// one-time secret to the caller (okta-reset-password with send_email
	// false returns the reset link). For a privileged target such a call
	// needs approval by default: the secret is a takeover of the account.
	RevealsSecret func(args A) bool
	// GrantsGroup names the group a call with these arguments adds its
	// target user to (okta-add-to-group), resolving an ID to the group's
	// name with reads only. Adding a user to a privileged group hands them
	// its rights, so with approvals.privileged_grants (the default) such a
	// call waits for a second person; an error holds it too (fail closed).
	GrantsGroup func(ctx context.Context, p Providers, args A) (string, error)
	// Workflow replaces Run on a command made of other commands (contain-
	// user, respond-to-incident): it reads through p.Providers() and runs
	// every state-changing step with steps.Run, as a call of its own through
	// the Invoker, so the approval gate, idempotency and the audit log apply
	// to each action it takes. It must never change anything itself.
	Workflow func(ctx context.Context, steps *Steps, args A) (Reply[R], error)
	// NeedsIncident makes the incident context (the body's incident object)
	// required: the command is about that incident (respond-to-incident).
	NeedsIncident bool
}

// Delegation is what a provider-neutral command really runs: a provider
// command of the catalog, its arguments, and how its reply becomes the
// neutral command's. Build one with delegateTo.
type Delegation[R any] struct {
	Command   Command
	Args      any // a pointer to Command's argument struct
	Translate func(Reply[any]) (Reply[R], error)
}

// delegateTo builds a Delegation to a typed provider command, with a typed
// translation of its reply.
func delegateTo[PA, PR, R any](s Spec[PA, PR], args PA, translate func(Reply[PR]) Reply[R]) Delegation[R] {
	return Delegation[R]{Command: s, Args: &args, Translate: func(r Reply[any]) (Reply[R], error) {
		out, ok := r.Outputs.(PR)
		if !ok {
			return Reply[R]{}, fmt.Errorf("commands: %s answered %T, not %T", s.Name, r.Outputs, out)
		}
		tr := translate(Reply[PR]{Outputs: out, Readable: r.Readable, Raw: r.Raw, NextCursor: r.NextCursor, Secrets: r.Secrets})
		tr.Secrets = r.Secrets // a translation can drop a secret from view, never from redaction
		return tr, nil
	}}
}

// delegation is a Delegation with its types erased.
type delegation struct {
	cmd       Command
	args      any
	translate func(Reply[any]) (Reply[any], error)
}

// Info is a command's metadata, independent of its Go types.
type Info struct {
	Name        string
	Summary     string
	Description string
	Provider    Provider
	Context     Context
	Risk        Risk
	// ArgsType and ResultType are the declared Go types; the catalog
	// endpoint and the OpenAPI generator describe them.
	ArgsType   reflect.Type
	ResultType reflect.Type
	// Delegates is set on a provider-neutral command that resolves to a
	// provider command before it runs (see Spec.Delegate).
	Delegates bool
	// Runs says whether the command has a Run function.
	Runs bool
	// Workflow is set on a command whose steps are commands of their own
	// (see Spec.Workflow).
	Workflow bool
	// NeedsIncident says the call must carry incident context.
	NeedsIncident bool
}

// Command is a Spec with its types erased, so the catalog can hold them all.
type Command interface {
	Info() Info
	// NewArgs returns a pointer to a zero argument struct to decode into.
	NewArgs() any
	// run executes the command with args from NewArgs; only the Invoker
	// calls it, with the Steps of the call for a workflow.
	run(ctx context.Context, p Providers, steps *Steps, args any) (Reply[any], error)
	// delegate resolves a provider-neutral command to the provider command
	// it runs; nil when the command runs itself.
	delegate(ctx context.Context, p Providers, args any) (*delegation, error)
	// revealsSecret reports whether a run with args returns a one-time secret.
	revealsSecret(args any) bool
	// grantsGroup names the group a run with args adds its user to; ok is
	// false when the command adds nobody to any group.
	grantsGroup(ctx context.Context, p Providers, args any) (name string, ok bool, err error)
}

// Info implements Command.
func (s Spec[A, R]) Info() Info {
	return Info{
		Name:          s.Name,
		Summary:       s.Summary,
		Description:   s.Description,
		Provider:      s.Provider,
		Context:       s.Context,
		Risk:          s.Risk,
		ArgsType:      reflect.TypeFor[A](),
		ResultType:    reflect.TypeFor[R](),
		Delegates:     s.Delegate != nil,
		Runs:          s.Run != nil,
		Workflow:      s.Workflow != nil,
		NeedsIncident: s.NeedsIncident,
	}
}

// NewArgs implements Command.
func (s Spec[A, R]) NewArgs() any { return new(A) }

func (s Spec[A, R]) run(ctx context.Context, p Providers, steps *Steps, args any) (Reply[any], error) {
	a := s.args(args)
	if s.Workflow != nil {
		r, err := s.Workflow(ctx, steps, *a)
		if err != nil {
			return Reply[any]{}, err
		}
		return Reply[any]{Outputs: r.Outputs, Readable: r.Readable, Raw: r.Raw, NextCursor: r.NextCursor, Secrets: r.Secrets}, nil
	}
	if s.Run == nil {
		// A delegating command never runs itself: the Invoker runs its
		// provider command. Reaching here is a programming error.
		panic("commands: " + s.Name + " has no Run; the Invoker must resolve its delegation")
	}
	r, err := s.Run(ctx, p, *a)
	if err != nil {
		return Reply[any]{}, err
	}
	return Reply[any]{Outputs: r.Outputs, Readable: r.Readable, Raw: r.Raw, NextCursor: r.NextCursor, Secrets: r.Secrets}, nil
}

func (s Spec[A, R]) delegate(ctx context.Context, p Providers, args any) (*delegation, error) {
	if s.Delegate == nil {
		return nil, nil
	}
	d, err := s.Delegate(ctx, p, *s.args(args))
	if err != nil {
		return nil, err
	}
	return &delegation{cmd: d.Command, args: d.Args, translate: func(r Reply[any]) (Reply[any], error) {
		tr, err := d.Translate(r)
		if err != nil {
			return Reply[any]{}, err
		}
		return Reply[any]{Outputs: tr.Outputs, Readable: tr.Readable, Raw: tr.Raw, NextCursor: tr.NextCursor, Secrets: tr.Secrets}, nil
	}}, nil
}

func (s Spec[A, R]) revealsSecret(args any) bool {
	return s.RevealsSecret != nil && s.RevealsSecret(*s.args(args))
}

func (s Spec[A, R]) grantsGroup(ctx context.Context, p Providers, args any) (string, bool, error) {
	if s.GrantsGroup == nil {
		return "", false, nil
	}
	name, err := s.GrantsGroup(ctx, p, *s.args(args))
	return name, true, err
}

// args unwraps the Invoker's argument value.
func (s Spec[A, R]) args(args any) *A {
	a, ok := args.(*A)
	if !ok {
		// Only the Invoker calls these, always with NewArgs' value: a
		// mismatch is a programming error, not bad input.
		panic("commands: " + s.Name + ": arguments of the wrong type")
	}
	return a
}
