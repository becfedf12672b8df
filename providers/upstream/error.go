// Package upstream holds the one error type every provider client returns when
// the outside system refuses or fails a call. The HTTP layer maps it to a
// problem response exactly once (see api.ErrorHandler), so clients only say
// what happened, never which status idcmd should answer with.
package upstream

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies a provider failure by what the caller can do about it.
type Kind int

const (
	// Unknown is a failure that fits no other kind; it maps to 502.
	Unknown Kind = iota
	// NotFound: the user, group or object does not exist (Okta E0000007).
	NotFound
	// Conflict: the object is in a state that forbids the action, such as
	// suspending a user who is not ACTIVE (Okta E0000038, E0000032).
	Conflict
	// Invalid: the provider rejected the caller's input (a bad filter,
	// a cursor that was altered). The caller can fix it; maps to 400.
	Invalid
	// RateLimited: the provider's rate limit was hit and waiting for the
	// reset would pass the caller's deadline; maps to 429 with Retry-After.
	RateLimited
	// Unauthorized: idcmd's own credentials for the provider were refused
	// (bad API token, missing scope or admin role). Not the caller's fault;
	// maps to 502 so a playbook does not mistake it for its own 401/403.
	Unauthorized
	// Unavailable: the provider answered 5xx or the connection failed; 502.
	Unavailable
	// Timeout: the provider did not answer before the deadline; 504.
	Timeout
	// Contended: the object kept changing while the call edited it (XSOAR's
	// DB version conflict, again after a fresh read). Nothing forbids the
	// edit, so the same call later can succeed, unlike Conflict; maps to 409.
	Contended
)

// String names the kind for logs and metrics.
func (k Kind) String() string {
	switch k {
	case NotFound:
		return "not_found"
	case Conflict:
		return "conflict"
	case Invalid:
		return "invalid"
	case RateLimited:
		return "rate_limited"
	case Unauthorized:
		return "unauthorized"
	case Unavailable:
		return "unavailable"
	case Timeout:
		return "timeout"
	case Contended:
		return "contended"
	default:
		return "unknown"
	}
}

// Error is a failed call to an outside system.
type Error struct {
	// Provider names the system: "okta", "pingone", "xsoar", ...
	Provider string
	// Kind says what the caller can do about it.
	Kind Kind
	// Status is the provider's HTTP status, 0 when no response arrived.
	Status int
	// Code is the provider's own error code (Okta errorCode, PingOne code).
	Code string
	// Message is the provider's summary, safe to show to a responder.
	Message string
	// Causes are the provider's detail messages (Okta errorCauses).
	Causes []string
	// RetryAfter is how long the provider asked the caller to wait.
	RetryAfter time.Duration
	// Err is the underlying transport error, if any.
	Err error
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Code != "" {
		return fmt.Sprintf("%s: %s (%s, HTTP %d)", e.Provider, msg, e.Code, e.Status)
	}
	if e.Status != 0 {
		return fmt.Sprintf("%s: %s (HTTP %d)", e.Provider, msg, e.Status)
	}
	return fmt.Sprintf("%s: %s", e.Provider, msg)
}

func (e *Error) Unwrap() error { return e.Err }

// As returns the *Error in err's chain, or nil.
func As(err error) *Error {
	var ue *Error
	if errors.As(err, &ue) {
		return ue
	}
	return nil
}

// IsKind reports whether err is a provider failure of kind k.
func IsKind(err error, k Kind) bool {
	ue := As(err)
	return ue != nil && ue.Kind == k
}
