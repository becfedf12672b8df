package okta

import (
	"context"
	"net/http"
	"time"
)

// authenticator supplies the credential for a call: a static SSWS token or
// an OAuth access token fetched and cached by tokenSource.
type authenticator interface {
	// credential returns the credential to use now, fetching one if needed.
	credential(ctx context.Context) (credential, error)
	// refused is told that Okta answered 401 to cred. It reports whether a
	// fresh credential might succeed, so the call is worth one more try.
	refused(cred credential) bool
}

// credential authenticates one attempt. apply runs per attempt because a
// DPoP proof must be fresh every time.
type credential interface {
	apply(r *http.Request, now time.Time) error
}

// sswsAuth is an Okta API token. It is both the authenticator and its
// credential: it never changes, so a 401 is final. It is always used by
// pointer, so printing a Client (even with %#v, which bypasses String for
// unexported fields) shows an address, not the token.
type sswsAuth struct{ token string }

func (s *sswsAuth) credential(context.Context) (credential, error) { return s, nil }

func (s *sswsAuth) refused(credential) bool { return false }

func (s *sswsAuth) apply(r *http.Request, _ time.Time) error {
	r.Header.Set("Authorization", "SSWS "+s.token)
	return nil
}

// String keeps the token out of any log line that prints the value.
func (s *sswsAuth) String() string { return "SSWS [redacted]" }

// GoString keeps the token out of %#v too.
func (s *sswsAuth) GoString() string { return s.String() }
