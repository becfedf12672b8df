package httpx

import (
	"context"
	"errors"
	"math"
	"net"
	"time"

	"github.com/idcmd/idcmd/providers/upstream"
)

// TransportError maps a call that got no usable response: this client's
// own rate limit (RateLimited, with the wait), the deadline or a
// cancellation (Timeout), or the network (Unavailable). provider is the
// error's Provider ("okta"), name the system as a responder knows it
// ("Okta"), op the operation. net/http's messages name the URL, which holds
// no secret; the wrapped error keeps errors.Is working.
func TransportError(provider, name, op string, err error) *upstream.Error {
	e := &upstream.Error{Provider: provider, Err: err}
	var throttled *ThrottledError
	var netErr net.Error
	switch {
	case errors.As(err, &throttled):
		e.Kind = upstream.RateLimited
		e.RetryAfter = max(time.Second, time.Duration(math.Ceil(throttled.Wait.Seconds()))*time.Second)
		e.Message = "request rate limit of this idcmd client reached"
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		e.Kind = upstream.Timeout
		e.Message = "no answer before the deadline (" + op + ")"
	case errors.Is(err, context.Canceled):
		e.Kind = upstream.Timeout
		e.Message = "request canceled (" + op + ")"
	default:
		e.Kind = upstream.Unavailable
		e.Message = "cannot reach " + name + " (" + op + "): " + err.Error()
	}
	return e
}

// DecodeError maps an answer with a success status whose body is not the
// JSON the vendor documents. encoding/json's messages name types and
// offsets, never values, so no secret can leak through err.
func DecodeError(provider, name, op string, status int, err error) *upstream.Error {
	return &upstream.Error{
		Provider: provider,
		Kind:     upstream.Unknown,
		Status:   status,
		Message:  "unexpected response body from " + name + " (" + op + ")",
		Err:      err,
	}
}
