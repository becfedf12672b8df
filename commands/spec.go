// Package commands is idcmd's command model: every identity action is one
// Spec declaration, collected in one Catalog, and run through one Invoker.
// Everything else — the HTTP route, validation, the OpenAPI operation, the
// README table — is derived from the declarations, so a command cannot be
// documented one way and behave another. This package never imports Echo: a
// command can be run from a test with a fake provider and no HTTP at all.
package commands

import (
	"context"
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
)

// Provider names the identity provider a command acts on.
type Provider string

const (
	// Okta is the Okta Management API.
	Okta Provider = "okta"
	// PingOne is the PingOne Platform API.
	PingOne Provider = "pingone"
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
}

// Command is a Spec with its types erased, so the catalog can hold them all.
type Command interface {
	Info() Info
	// NewArgs returns a pointer to a zero argument struct to decode into.
	NewArgs() any
	// run executes the command with args from NewArgs; only the Invoker calls it.
	run(ctx context.Context, p Providers, args any) (Reply[any], error)
}

// Info implements Command.
func (s Spec[A, R]) Info() Info {
	return Info{
		Name:        s.Name,
		Summary:     s.Summary,
		Description: s.Description,
		Provider:    s.Provider,
		Context:     s.Context,
		Risk:        s.Risk,
		ArgsType:    reflect.TypeFor[A](),
		ResultType:  reflect.TypeFor[R](),
	}
}

// NewArgs implements Command.
func (s Spec[A, R]) NewArgs() any { return new(A) }

func (s Spec[A, R]) run(ctx context.Context, p Providers, args any) (Reply[any], error) {
	a, ok := args.(*A)
	if !ok {
		// Only the Invoker calls run, always with NewArgs' value: a mismatch
		// is a programming error, not bad input.
		panic("commands: " + s.Name + ": arguments of the wrong type")
	}
	r, err := s.Run(ctx, p, *a)
	if err != nil {
		return Reply[any]{}, err
	}
	return Reply[any]{Outputs: r.Outputs, Readable: r.Readable, Raw: r.Raw, NextCursor: r.NextCursor}, nil
}
