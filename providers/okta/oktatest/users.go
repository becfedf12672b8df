package oktatest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// userJSON is the wire shape of a User. The nullable timestamps are JSON
// null when unset, as Okta sends them (e.g. lastLogin of a user who never
// signed in), so clients must cope with null.
type userJSON struct {
	ID              string              `json:"id"`
	Status          string              `json:"status"`
	Created         string              `json:"created"`
	Activated       *string             `json:"activated"`
	StatusChanged   *string             `json:"statusChanged"`
	LastLogin       *string             `json:"lastLogin"`
	LastUpdated     string              `json:"lastUpdated"`
	PasswordChanged *string             `json:"passwordChanged"`
	Type            userTypeRef         `json:"type"`
	Profile         map[string]any      `json:"profile"`
	Credentials     credentialsJSON     `json:"credentials"`
	Links           map[string]hrefLink `json:"_links"`
}

type userTypeRef struct {
	ID string `json:"id"`
}

type credentialsJSON struct {
	Password         *struct{}         `json:"password,omitempty"`
	RecoveryQuestion *recoveryQuestion `json:"recovery_question,omitempty"`
	Provider         providerJSON      `json:"provider"`
}

type recoveryQuestion struct {
	Question string `json:"question"`
}

type providerJSON struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

// alwaysPresentProfile are profile attributes Okta returns as null when
// unset, rather than leaving them out.
var alwaysPresentProfile = []string{"mobilePhone", "secondEmail"}

// renderUser builds the User JSON. full selects the single-user shape with
// every lifecycle link; listings carry only the self link, as in Okta.
func (o *Org) renderUser(base string, u *user, full bool) userJSON {
	profile := make(map[string]any, len(u.profile)+len(alwaysPresentProfile))
	for _, k := range alwaysPresentProfile {
		profile[k] = nil
	}
	for k, v := range u.profile {
		profile[k] = v
	}
	creds := credentialsJSON{Provider: providerJSON{Type: "OKTA", Name: "OKTA"}}
	if u.hasPassword {
		creds.Password = &struct{}{}
	}
	if u.recoveryQuestion != "" {
		creds.RecoveryQuestion = &recoveryQuestion{Question: u.recoveryQuestion}
	}
	self := base + "/api/v1/users/" + u.id
	links := map[string]hrefLink{"self": {Href: self}}
	if full {
		post := func(action string) hrefLink {
			return hrefLink{Href: self + "/lifecycle/" + action, Method: "POST"}
		}
		for _, a := range lifecycleLinks[u.status] {
			links[a.rel] = post(a.action)
		}
		links["schema"] = hrefLink{Href: base + "/api/v1/meta/schemas/user/" + o.userTypeID}
		links["type"] = hrefLink{Href: base + "/api/v1/meta/types/user/" + o.userTypeID}
	}
	return userJSON{
		ID:              u.id,
		Status:          u.status,
		Created:         formatTime(u.created),
		Activated:       nullableTime(u.activated),
		StatusChanged:   nullableTime(u.statusChanged),
		LastLogin:       nullableTime(u.lastLogin),
		LastUpdated:     formatTime(u.lastUpdated),
		PasswordChanged: nullableTime(u.passwordChanged),
		Type:            userTypeRef{ID: o.userTypeID},
		Profile:         profile,
		Credentials:     creds,
		Links:           links,
	}
}

// lifecycleLinks lists, per status, the lifecycle operations Okta
// advertises in a user's _links.
var lifecycleLinks = map[string][]struct{ rel, action string }{
	StatusActive: {
		{"suspend", "suspend"}, {"resetPassword", "reset_password"}, {"expirePassword", "expire_password"},
		{"resetFactors", "reset_factors"}, {"deactivate", "deactivate"},
	},
	StatusSuspended:       {{"unsuspend", "unsuspend"}, {"deactivate", "deactivate"}},
	StatusLockedOut:       {{"unlock", "unlock"}, {"resetPassword", "reset_password"}, {"deactivate", "deactivate"}},
	StatusPasswordExpired: {{"resetPassword", "reset_password"}, {"expirePassword", "expire_password"}, {"deactivate", "deactivate"}},
	StatusRecovery:        {{"resetPassword", "reset_password"}, {"reactivate", "reactivate"}, {"deactivate", "deactivate"}},
	StatusStaged:          {{"activate", "activate"}, {"deactivate", "deactivate"}},
	StatusProvisioned:     {{"reactivate", "reactivate"}, {"deactivate", "deactivate"}},
	StatusDeprovisioned:   {{"activate", "activate"}},
}

// etag is a weak entity tag that changes whenever the user does.
func etag(u *user) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%s|%d", u.id, u.status, u.lastUpdated.UnixNano())
	return `W/"` + strconv.FormatUint(h.Sum64(), 16) + `"`
}

// getUser serves GET /api/v1/users/{id}; {id} is an ID, login or unique
// login shortname.
func (s *Server) getUser(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	o := s.org
	o.mu.RLock()
	u := o.resolveLocked(c.param)
	if u == nil {
		o.mu.RUnlock()
		return errNotFound(c.param, "User")
	}
	body := o.renderUser(s.baseURL(r), u, true)
	tag := etag(u)
	o.mu.RUnlock()
	w.Header().Set("Etag", tag)
	writeJSON(w, http.StatusOK, body)
	return nil
}

// Listing limits (spec listUsers).
const (
	defaultUserLimit  = 200
	maxUserLimit      = 200
	defaultQUserLimit = 10
)

// qAttrs are the profile attributes a q query matches the start of.
var qAttrs = []string{"firstName", "lastName", "email"}

// userCursor is the sealed position of a user listing: the sort key and ID
// of the last user on the page.
type userCursor struct {
	Kind   string `json:"k"`
	SortBy string `json:"s,omitempty"`
	Desc   bool   `json:"d,omitempty"`
	Value  string `json:"v,omitempty"`
	ID     string `json:"i"`
}

// listUsers serves GET /api/v1/users with Okta's three query modes:
//   - q: startsWith on firstName/lastName/email, no DEPROVISIONED, no paging;
//   - search: SCIM subset over most properties, DEPROVISIONED included;
//   - filter: eq on a few properties, DEPROVISIONED included;
//
// and a plain paged listing that omits DEPROVISIONED users.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	q := r.URL.Query()
	query, search, filter := q.Get("q"), q.Get("search"), q.Get("filter")
	modes := 0
	for _, v := range []string{query, search, filter} {
		if v != "" {
			modes++
		}
	}
	if modes > 1 {
		return errSearchAndFilter()
	}
	limit := defaultUserLimit
	if query != "" {
		limit = defaultQUserLimit
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errValidation("limit", "limit must be a positive integer")
		}
		limit = min(n, maxUserLimit)
	}

	var match func(*user) bool
	switch {
	case query != "":
		prefix := strings.ToLower(query)
		match = func(u *user) bool {
			if u.status == StatusDeprovisioned {
				return false
			}
			for _, k := range qAttrs {
				if strings.HasPrefix(strings.ToLower(u.profile[k]), prefix) {
					return true
				}
			}
			return false
		}
	case search != "":
		m, err := compileUserSearch(search)
		if err != nil {
			return err
		}
		match = m
	case filter != "":
		m, err := compileUserFilter(filter)
		if err != nil {
			return err
		}
		match = m
	default:
		match = func(u *user) bool { return u.status != StatusDeprovisioned }
	}

	// sortBy/sortOrder apply to search queries only; otherwise users come
	// in ID order, as Okta's cursor (a user ID) implies.
	sortBy, desc := "", false
	if search != "" {
		sortBy = q.Get("sortBy")
		desc = strings.EqualFold(q.Get("sortOrder"), "desc")
	}

	var after *userCursor
	if a := q.Get("after"); a != "" && query == "" {
		payload, ok := s.cursors.open(a)
		var cur userCursor
		if !ok || json.Unmarshal(payload, &cur) != nil || cur.Kind != "u" || cur.SortBy != sortBy || cur.Desc != desc {
			return errInvalidPaging()
		}
		after = &cur
	}

	o := s.org
	o.mu.RLock()
	type hit struct {
		u   *user
		key string
	}
	var hits []hit
	for _, id := range o.userIDs {
		u := o.users[id]
		if !match(u) {
			continue
		}
		key := ""
		if sortBy != "" {
			key, _ = userAttr(u, sortBy)
		}
		hits = append(hits, hit{u, key})
	}
	if sortBy != "" {
		slices.SortStableFunc(hits, func(a, b hit) int {
			d := strings.Compare(a.key, b.key)
			if d == 0 {
				d = strings.Compare(a.u.id, b.u.id)
			}
			if desc {
				d = -d
			}
			return d
		})
	}
	start := 0
	if after != nil {
		// Resume strictly after the cursor's position, so users that
		// changed or vanished between pages do not break the walk.
		start = len(hits)
		for i, h := range hits {
			d := strings.Compare(h.key, after.Value)
			if d == 0 {
				d = strings.Compare(h.u.id, after.ID)
			}
			if desc {
				d = -d
			}
			if d > 0 {
				start = i
				break
			}
		}
	}
	page := hits[start:]
	more := len(page) > limit
	if more {
		page = page[:limit]
	}
	base := s.baseURL(r)
	out := make([]userJSON, len(page))
	for i, h := range page {
		out[i] = o.renderUser(base, h.u, false)
	}
	o.mu.RUnlock()

	next := ""
	if more && query == "" {
		last := page[len(page)-1]
		next = s.nextLink(r, userCursor{Kind: "u", SortBy: sortBy, Desc: desc, Value: last.key, ID: last.u.id}, limit)
	}
	writeLinks(w.Header(), s.selfURL(r), next)
	writeJSON(w, http.StatusOK, out)
	return nil
}
