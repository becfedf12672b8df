package oktatest

// OAuth/OIDC tokens issued to a user. Okta revokes a user's access and
// refresh tokens on DELETE /api/v1/users/{userId}/sessions?oauthTokens=true;
// without oauthTokens they survive the sessions. The fake keeps only how
// many a user holds, which is what a test of a containment asks.

// AddOAuthTokens issues n more OAuth tokens to the user and reports whether
// the user exists.
func (o *Org) AddOAuthTokens(idOrLogin string, n int) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	u := o.resolveLocked(idOrLogin)
	if u == nil {
		return false
	}
	u.oauthTokens += n
	return true
}

// OAuthTokenCount returns how many OAuth tokens the user still holds.
func (o *Org) OAuthTokenCount(idOrLogin string) int {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if u := o.resolveLocked(idOrLogin); u != nil {
		return u.oauthTokens
	}
	return 0
}
