package pingonetest

import (
	"net/http"
	"net/netip"
	"slices"
	"time"
)

// PingOne keeps at most ten sessions per user, newest first, and lists
// expired ones too (until they are purged).
const (
	maxSessions     = 10
	sessionLifetime = 8 * time.Hour
)

// session is a user's sign-on session.
type session struct {
	id                  string
	createdAt, activeAt time.Time
	expiresAt           time.Time
	dev                 device
	ip                  string
}

// device is what a session records about the browser that created it.
type device struct {
	browser, browserVersion string
	os, osVersion           string
	deviceType              string // Desktop, Mobile, Tablet
	userAgent               string
}

var defaultDevice = device{
	browser: "Chrome", browserVersion: "124.0.6367.91", os: "Mac OS X", osVersion: "14.4.1", deviceType: "Desktop",
	userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
}

func (e *Env) newSessionLocked(at time.Time, dev device, ip string) *session {
	return &session{
		id: seededUUID(e.rng), createdAt: at, activeAt: at, expiresAt: at.Add(sessionLifetime), dev: dev, ip: ip,
	}
}

// addSession keeps the user's sessions newest first and drops the oldest
// beyond maxSessions.
func (u *user) addSession(s *session) {
	i, _ := slices.BinarySearchFunc(u.sessions, s, func(a, b *session) int { return b.createdAt.Compare(a.createdAt) })
	u.sessions = slices.Insert(u.sessions, i, s)
	if len(u.sessions) > maxSessions {
		u.sessions = u.sessions[:maxSessions]
	}
}

func (u *user) sessionByID(id string) (int, *session) {
	for i, s := range u.sessions {
		if s.id == id {
			return i, s
		}
	}
	return -1, nil
}

// sessionJSON is the wire shape of a session (the spec leaves it untyped;
// fields per PingOne's sessions data model).
type sessionJSON struct {
	Links           links             `json:"_links"`
	ID              string            `json:"id"`
	Environment     idRef             `json:"environment"`
	User            idRef             `json:"user"`
	CreatedAt       string            `json:"createdAt"`
	ActiveAt        string            `json:"activeAt"`
	ExpiresAt       string            `json:"expiresAt"`
	Browser         browserJSON       `json:"browser"`
	Device          deviceJSON        `json:"device"`
	OperatingSystem osJSON            `json:"operatingSystem"`
	LastSignOn      sessionSignOnJSON `json:"lastSignOn"`
	Locations       []locationJSON    `json:"locations"`
}

type browserJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type deviceJSON struct {
	Type string `json:"type"`
}

type osJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type sessionSignOnJSON struct {
	At       string `json:"at"`
	RemoteIP string `json:"remoteIp"`
}

type locationJSON struct {
	At       string `json:"at"`
	RemoteIP string `json:"remoteIp"`
	City     string `json:"city,omitempty"`
	State    string `json:"state,omitempty"`
	Region   string `json:"region,omitempty"`
	Country  string `json:"country,omitempty"`
}

func (s *Server) renderSession(r *http.Request, u *user, ss *session) sessionJSON {
	loc := func(at time.Time) locationJSON {
		l := locationJSON{At: formatTime(at), RemoteIP: ss.ip}
		if a, err := netip.ParseAddr(ss.ip); err == nil {
			if info := lookupIP(a); info.known {
				l.City, l.State, l.Region, l.Country = info.city, info.state, info.state, info.country
			}
		}
		return l
	}
	locations := []locationJSON{loc(ss.activeAt)}
	if ss.activeAt.After(ss.createdAt) {
		locations = append(locations, loc(ss.createdAt))
	}
	return sessionJSON{
		Links:           links{"self": {Href: s.envURL(r, "/users/"+u.id+"/sessions/"+ss.id)}},
		ID:              ss.id,
		Environment:     idRef{ID: s.EnvironmentID},
		User:            idRef{ID: u.id},
		CreatedAt:       formatTime(ss.createdAt),
		ActiveAt:        formatTime(ss.activeAt),
		ExpiresAt:       formatTime(ss.expiresAt),
		Browser:         browserJSON{Name: ss.dev.browser, Version: ss.dev.browserVersion},
		Device:          deviceJSON{Type: ss.dev.deviceType},
		OperatingSystem: osJSON{Name: ss.dev.os, Version: ss.dev.osVersion},
		LastSignOn:      sessionSignOnJSON{At: formatTime(ss.createdAt), RemoteIP: ss.ip},
		Locations:       locations,
	}
}

// listSessions serves GET /users/{id}/sessions: all of them (at most ten),
// newest first, expired ones included. There is no bulk DELETE on this
// path in PingOne: sessions are ended one at a time.
func (s *Server) listSessions(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	e := s.env
	e.mu.RLock()
	u := e.users[c.id]
	if u == nil {
		e.mu.RUnlock()
		return errNotFound()
	}
	items := make([]sessionJSON, 0, len(u.sessions))
	for _, ss := range u.sessions {
		items = append(items, s.renderSession(r, u, ss))
	}
	e.mu.RUnlock()
	writeCollection(w, r, s, "sessions", items, len(items), "")
	return nil
}

// getSession serves GET /users/{id}/sessions/{sessionId}.
func (s *Server) getSession(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	e := s.env
	e.mu.RLock()
	u := e.users[c.id]
	var j sessionJSON
	found := false
	if u != nil {
		if _, ss := u.sessionByID(c.sub); ss != nil {
			j, found = s.renderSession(r, u, ss), true
		}
	}
	e.mu.RUnlock()
	if !found {
		return errNotFound()
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

// deleteSession serves DELETE /users/{id}/sessions/{sessionId}: 204, and
// a SESSION.DELETED activity.
func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	e := s.env
	e.mu.Lock()
	u := e.users[c.id]
	if u == nil {
		e.mu.Unlock()
		return errNotFound()
	}
	i, ss := u.sessionByID(c.sub)
	if ss == nil {
		e.mu.Unlock()
		return errNotFound()
	}
	u.sessions = slices.Delete(u.sessions, i, i+1)
	s.recordAPIActivityLocked(r, c, "SESSION.DELETED", "Session deleted by administrator", u,
		ActivityResource{Type: "SESSION", ID: ss.id})
	e.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
	return nil
}
