package oktatest

import (
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"time"
)

// Factor types the fake can enroll (spec schema UserFactorType).
const (
	FactorPush     = "push"
	FactorSMS      = "sms"
	FactorCall     = "call"
	FactorTOTP     = "token:software:totp"
	FactorWebAuthn = "webauthn"
	FactorEmail    = "email"
	FactorQuestion = "question"
)

var pushDevices = []struct{ name, deviceType, platform, version string }{
	{"iPhone 15 Pro", "SmartPhone_IPhone", "IOS", "9.27.1"},
	{"iPhone 13", "SmartPhone_IPhone", "IOS", "9.26.0"},
	{"Pixel 8", "SmartPhone_Android", "ANDROID", "9.25.2"},
	{"Galaxy S23", "SmartPhone_Android", "ANDROID", "9.24.0"},
}

var webAuthnAuthenticators = []string{"MacBook Touch ID", "YubiKey 5 NFC", "Windows Hello", "iCloud Keychain"}

// newFactor enrolls an ACTIVE factor of type ft for u, with the profile
// shape the spec declares for that type.
func newFactor(rng *mrand.Rand, u *user, ft string, created time.Time) (*factor, error) {
	f := &factor{
		factorType: ft, provider: "OKTA", vendorName: "OKTA", status: "ACTIVE",
		created: created, lastUpdated: created, profile: map[string]string{},
	}
	phone := u.profile["mobilePhone"]
	if phone == "" || phone[0] != '+' {
		phone = fmt.Sprintf("+1555%07d", rng.IntN(10_000_000))
	}
	prefix := prefixFactorOther
	switch ft {
	case FactorPush:
		prefix = prefixFactorPush
		d := pushDevices[rng.IntN(len(pushDevices))]
		f.profile["credentialId"] = u.login()
		f.profile["deviceType"] = d.deviceType
		f.profile["name"] = d.name
		f.profile["platform"] = d.platform
		f.profile["version"] = d.version
	case FactorSMS:
		prefix = prefixFactorSMS
		f.profile["phoneNumber"] = phone
	case FactorCall:
		prefix = prefixFactorCall
		f.profile["phoneNumber"] = phone
	case FactorTOTP:
		prefix = prefixFactorTOTP
		f.provider, f.vendorName = "GOOGLE", "GOOGLE"
		f.profile["credentialId"] = u.login()
	case FactorWebAuthn:
		prefix = prefixFactorWebA
		f.provider, f.vendorName = "FIDO", "FIDO"
		f.profile["authenticatorName"] = webAuthnAuthenticators[rng.IntN(len(webAuthnAuthenticators))]
		f.profile["credentialId"] = randString(rng, 43)
	case FactorEmail:
		prefix = prefixFactorEmail
		f.profile["email"] = u.profile["email"]
	case FactorQuestion:
		prefix = prefixFactorQ
		f.profile["question"] = "disliked_food"
		f.profile["questionText"] = "What is the food you least liked as a child?"
	default:
		return nil, fmt.Errorf("unsupported factor type %q", ft)
	}
	f.id = oktaID(rng, prefix)
	return f, nil
}

// factorJSON is the wire shape of a UserFactor.
type factorJSON struct {
	ID          string              `json:"id"`
	FactorType  string              `json:"factorType"`
	Provider    string              `json:"provider"`
	VendorName  string              `json:"vendorName"`
	Status      string              `json:"status"`
	Created     string              `json:"created"`
	LastUpdated string              `json:"lastUpdated"`
	Profile     map[string]string   `json:"profile"`
	Links       map[string]hrefLink `json:"_links"`
}

func renderFactor(base string, u *user, f *factor) factorJSON {
	userURL := base + "/api/v1/users/" + u.id
	self := userURL + "/factors/" + f.id
	links := map[string]hrefLink{
		"self": {Href: self, Hints: allow("GET", "DELETE")},
		"user": {Href: userURL, Hints: allow("GET")},
	}
	switch f.factorType {
	case FactorPush, FactorSMS, FactorCall, FactorTOTP, FactorWebAuthn, FactorEmail:
		links["verify"] = hrefLink{Href: self + "/verify", Hints: allow("POST")}
	case FactorQuestion:
		links["questions"] = hrefLink{Href: userURL + "/factors/questions", Hints: allow("GET")}
	}
	return factorJSON{
		ID: f.id, FactorType: f.factorType, Provider: f.provider, VendorName: f.vendorName,
		Status: f.status, Created: formatTime(f.created), LastUpdated: formatTime(f.lastUpdated),
		Profile: f.profile, Links: links,
	}
}

// listFactors serves GET /api/v1/users/{userId}/factors. Like every
// {userId} path it takes the user ID only, not a login.
func (s *Server) listFactors(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	o := s.org
	o.mu.RLock()
	u := o.users[c.param]
	if u == nil {
		o.mu.RUnlock()
		return errNotFound(c.param, "User")
	}
	base := s.baseURL(r)
	out := make([]factorJSON, 0, len(u.factors))
	for _, f := range u.factors {
		out = append(out, renderFactor(base, u, f))
	}
	o.mu.RUnlock()
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getFactor serves GET /api/v1/users/{userId}/factors/{factorId}.
func (s *Server) getFactor(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	o := s.org
	o.mu.RLock()
	defer o.mu.RUnlock()
	u := o.users[c.param]
	if u == nil {
		return errNotFound(c.param, "User")
	}
	for _, f := range u.factors {
		if f.id == c.sub {
			writeJSON(w, http.StatusOK, renderFactor(s.baseURL(r), u, f))
			return nil
		}
	}
	return errNotFound(c.sub, "UserFactor")
}

// unenrollFactor serves DELETE /api/v1/users/{userId}/factors/{factorId}:
// 204 and a user.mfa.factor.deactivate event; 403 E0000038 for a
// DEPROVISIONED user, whose factors the spec says cannot be unenrolled.
func (s *Server) unenrollFactor(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	o := s.org
	o.mu.Lock()
	defer o.mu.Unlock()
	u := o.users[c.param]
	if u == nil {
		return errNotFound(c.param, "User")
	}
	if u.status == StatusDeprovisioned {
		// "You can't unenroll a factor from a deactivated user."
		return errWrongStatus()
	}
	for i, f := range u.factors {
		if f.id != c.sub {
			continue
		}
		now := o.now()
		u.factors = append(u.factors[:i:i], u.factors[i+1:]...)
		if f.factorType == FactorPush && f.provider == "OKTA" {
			// Unenrolling Okta Verify push also unenrolls the user's
			// other Okta Verify factors (its TOTP, other pushes).
			u.factors = slices.DeleteFunc(u.factors, func(g *factor) bool {
				return g.provider == "OKTA" && (g.factorType == FactorPush || g.factorType == FactorTOTP)
			})
		}
		u.touch(now)
		ev := s.apiEvent(r, c, now, "user.mfa.factor.deactivate", "Reset factor for user", u)
		ev.Outcome = &LogOutcome{Result: "SUCCESS"}
		ev.DebugContext.DebugData["factor"] = f.factorType
		o.appendLocked(ev, now)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return errNotFound(c.sub, "UserFactor")
}
