package oktatest

import (
	"net/http"
	"strconv"
)

// appLinkJSON is the wire shape of an AssignedAppLink.
type appLinkJSON struct {
	ID               string `json:"id"`
	Label            string `json:"label"`
	LinkURL          string `json:"linkUrl"`
	LogoURL          string `json:"logoUrl"`
	AppName          string `json:"appName"`
	AppInstanceID    string `json:"appInstanceId"`
	AppAssignmentID  string `json:"appAssignmentId"`
	CredentialsSetup bool   `json:"credentialsSetup"`
	Hidden           bool   `json:"hidden"`
	SortOrder        int    `json:"sortOrder"`
}

// listAppLinks serves GET /api/v1/users/{id}/appLinks. A DEPROVISIONED
// user has been deprovisioned from every app, so the list is empty.
func (s *Server) listAppLinks(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	o := s.org
	o.mu.RLock()
	u := o.resolveLocked(c.param)
	if u == nil {
		o.mu.RUnlock()
		return errNotFound(c.param, "User")
	}
	base := s.baseURL(r)
	out := []appLinkJSON{}
	if u.status != StatusDeprovisioned {
		for i, a := range u.apps {
			out = append(out, appLinkJSON{
				ID:              a.id,
				Label:           a.app.label,
				LinkURL:         base + "/home/" + a.app.name + "/" + a.app.id + "/" + strconv.Itoa(40+i),
				LogoURL:         base + "/img/logos/" + a.app.name + ".png",
				AppName:         a.app.name,
				AppInstanceID:   a.app.id,
				AppAssignmentID: a.id,
				// Salesforce-style apps keep per-app credentials.
				CredentialsSetup: a.app.name == "salesforce",
				SortOrder:        i,
			})
		}
	}
	o.mu.RUnlock()
	writeJSON(w, http.StatusOK, out)
	return nil
}
