// Package problem is idcmd's error contract: RFC 9457 problem details, and
// the one place where an error becomes an HTTP status. Handlers return
// errors; the API's error handler calls From and writes the result.
package problem

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/providers/upstream"
)

// ContentType is the media type of a problem response.
const ContentType = "application/problem+json"

// Problem is an RFC 9457 problem details object.
type Problem struct {
	// URI reference naming the problem type.
	Type string `json:"type" example:"https://idcmd.dev/problems/validation"`
	// Short, human-readable summary of the problem type.
	Title string `json:"title" example:"Invalid arguments"`
	// HTTP status code.
	Status int `json:"status" example:"400"`
	// What went wrong in this call, in words a responder can act on.
	Detail string `json:"detail,omitempty" example:"The arguments are invalid"`
	// The request's id, also in the X-Request-Id header and the logs.
	RequestID string `json:"request_id,omitempty"`
	// Each invalid field, for validation problems.
	Errors []commands.FieldError `json:"errors,omitempty"`
	// The outside system that failed, for provider problems.
	Provider string `json:"provider,omitempty" example:"okta"`
	// The provider's HTTP status.
	ProviderStatus int `json:"provider_status,omitempty" example:"403"`
	// The provider's error code.
	ProviderCode string `json:"provider_code,omitempty" example:"E0000038"`
	// Seconds to wait before retrying, for rate-limit problems.
	RetryAfter int `json:"retry_after,omitempty"`
	// The call's record in the audit log, when it has one.
	AuditID int64 `json:"audit_id,omitempty"`
	// The write-back of this failure to the incident, when the call had incident context.
	WritebackID string `json:"writeback_id,omitempty"`
	// Replayed is set when the problem was stored under the idempotency key.
	Replayed bool `json:"-"`
}

const typeBase = "https://idcmd.dev/problems/"

// New builds a problem of a status with a type slug.
func New(status int, slug, title, detail string) *Problem {
	return &Problem{Type: typeBase + slug, Title: title, Status: status, Detail: detail}
}

// Error lets a Problem travel as an error.
func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

// From maps any error to a problem. Unknown errors become a 500 whose detail
// says nothing of the cause: the cause goes to the log, never to the caller.
func From(err error) *Problem {
	var ae *commands.AuditedError
	if errors.As(err, &ae) {
		p := *From(ae.Err)
		p.AuditID = ae.AuditID
		p.WritebackID = ae.WritebackID
		p.Replayed = ae.Replayed
		return &p
	}
	var arg *commands.ArgumentError
	if errors.As(err, &arg) {
		p := *From(arg.Err)
		p.Errors = append(append([]commands.FieldError(nil), p.Errors...), commands.FieldError{Location: arg.Location, Message: arg.Message})
		return &p
	}
	var p *Problem
	var ie *commands.InputError
	var se *commands.ScopeError
	switch {
	case errors.As(err, &p):
		return p
	case errors.As(err, &ie):
		pr := New(http.StatusBadRequest, "validation", "Invalid arguments", ie.Detail)
		pr.Errors = ie.Errors
		return pr
	case errors.As(err, &se):
		return New(http.StatusForbidden, "forbidden", "Missing scope", "The token lacks the "+se.Scope+" scope this command needs.")
	case errors.Is(err, commands.ErrUnknownCommand):
		return New(http.StatusNotFound, "unknown-command", "Unknown command", err.Error()+"; GET /api/v1/commands lists them.")
	case errors.Is(err, commands.ErrProviderNotConfigured):
		return New(http.StatusServiceUnavailable, "provider-not-configured", "Provider not configured", err.Error())
	case errors.Is(err, commands.ErrIdempotencyMismatch):
		return New(http.StatusUnprocessableEntity, "idempotency-mismatch", "Idempotency key reused",
			"This Idempotency-Key was used with a different request; use a new key for a new request.")
	case errors.Is(err, commands.ErrIdempotencyInProgress):
		return New(http.StatusConflict, "idempotency-in-progress", "Request in progress",
			"The first request with this Idempotency-Key is still running; retry shortly to get its outcome.")
	case errors.Is(err, commands.ErrAuditUnavailable):
		return New(http.StatusServiceUnavailable, "audit-unavailable", "Audit log unavailable",
			"idcmd could not write the audit record, so the call is not acknowledged; check the store and retry with the same Idempotency-Key.")
	case errors.Is(err, commands.ErrApprovalNotFound):
		return New(http.StatusNotFound, "approval-not-found", "Approval not found", "No approval with that id.")
	case errors.Is(err, commands.ErrSelfApproval):
		return New(http.StatusForbidden, "self-approval", "Self-approval not allowed", "A second person must decide: the requester cannot approve or reject their own request.")
	case errors.Is(err, commands.ErrNotRequester):
		return New(http.StatusForbidden, "not-requester", "Not the requester", "Only the requester can cancel an approval.")
	case errors.Is(err, commands.ErrApprovalExpired):
		return New(http.StatusConflict, "approval-expired", "Approval expired", "The approval expired before it was decided; request the command again.")
	case errors.Is(err, commands.ErrApprovalNotPending):
		return New(http.StatusConflict, "approval-not-pending", "Approval already decided", "The approval is no longer pending: someone decided, cancelled or ran it already.")
	}
	if ue := upstream.As(err); ue != nil {
		return fromUpstream(ue)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return New(http.StatusGatewayTimeout, "timeout", "Timed out", "The call did not finish before the request deadline.")
	}
	return New(http.StatusInternalServerError, "internal", "Internal error", "idcmd failed to handle the request; the request id finds it in the logs.")
}

func fromUpstream(ue *upstream.Error) *Problem {
	var pr *Problem
	msg := ue.Message
	if msg == "" {
		msg = "the call failed"
	}
	switch ue.Kind {
	case upstream.NotFound:
		pr = New(http.StatusNotFound, "not-found", "Not found", ue.Provider+": "+msg)
	case upstream.Conflict:
		pr = New(http.StatusConflict, "state-conflict", "Not allowed in the current state", ue.Provider+": "+msg)
	case upstream.Contended:
		pr = New(http.StatusConflict, "edit-conflict", "Changed while being edited", ue.Provider+": "+msg)
	case upstream.Invalid:
		pr = New(http.StatusBadRequest, "provider-rejected-input", "Rejected by the provider", ue.Provider+": "+msg)
	case upstream.RateLimited:
		pr = New(http.StatusTooManyRequests, "rate-limited", "Provider rate limit", ue.Provider+" rate limit reached; retry after the given seconds.")
		pr.RetryAfter = max(1, int((ue.RetryAfter+999_999_999)/1_000_000_000))
	case upstream.Timeout:
		pr = New(http.StatusGatewayTimeout, "provider-timeout", "Provider timed out", ue.Provider+" did not answer in time.")
	case upstream.Unauthorized:
		pr = New(http.StatusBadGateway, "provider-credentials", "Provider refused idcmd's credentials", ue.Provider+": "+msg+" — check idcmd's "+ue.Provider+" credentials and their permissions.")
	default:
		pr = New(http.StatusBadGateway, "provider-unavailable", "Provider failed", ue.Provider+": "+msg)
	}
	for _, c := range ue.Causes {
		pr.Detail += " " + c
	}
	pr.Provider = ue.Provider
	pr.ProviderStatus = ue.Status
	pr.ProviderCode = ue.Code
	return pr
}

// Headers are the extra response headers a problem needs (Retry-After).
func (p *Problem) Headers() http.Header {
	h := http.Header{}
	if p.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	return h
}
