package oktatest

import (
	"net/http"
	"strings"
)

// groupJSON is the wire shape of a Group.
type groupJSON struct {
	ID                    string            `json:"id"`
	Created               string            `json:"created"`
	LastUpdated           string            `json:"lastUpdated"`
	LastMembershipUpdated string            `json:"lastMembershipUpdated"`
	ObjectClass           []string          `json:"objectClass"`
	Type                  string            `json:"type"`
	Profile               map[string]string `json:"profile"`
	Links                 map[string]any    `json:"_links"`
}

// adDomain is the Active Directory domain APP_GROUPs are imported from.
const adDomain = "corp.example.com"

func renderGroup(base string, g *group) groupJSON {
	self := base + "/api/v1/groups/" + g.id
	links := map[string]any{
		"logo": []hrefLink{
			{Name: "medium", Href: base + "/assets/img/logos/groups/okta-medium.png", Type: "image/png"},
			{Name: "large", Href: base + "/assets/img/logos/groups/okta-large.png", Type: "image/png"},
		},
		"users": hrefLink{Href: self + "/users"},
		"apps":  hrefLink{Href: self + "/apps"},
	}
	out := groupJSON{
		ID:                    g.id,
		Created:               formatTime(g.created),
		LastUpdated:           formatTime(g.lastUpdated),
		LastMembershipUpdated: formatTime(g.lastMembershipUpdated),
		ObjectClass:           []string{"okta:user_group"},
		Type:                  g.groupType,
		Profile:               map[string]string{"name": g.name, "description": g.description},
		Links:                 links,
	}
	if g.groupType == "APP_GROUP" {
		// Groups imported from Active Directory carry the AD profile.
		sam := strings.ReplaceAll(g.name, " ", "")
		out.ObjectClass = []string{"okta:windows_security_principal"}
		out.Profile["windowsDomainQualifiedName"] = "CORP\\" + sam
		out.Profile["samAccountName"] = sam
		out.Profile["dn"] = "CN=" + g.name + ",OU=Groups,DC=corp,DC=example,DC=com"
		out.Profile["externalId"] = g.id[3:] + "=="
		out.Profile["groupType"] = "Security"
		out.Profile["groupScope"] = "Global"
		if g.sourceApp != nil {
			links["source"] = hrefLink{Href: base + "/api/v1/apps/" + g.sourceApp.id}
		}
	}
	return out
}

// listUserGroups serves GET /api/v1/users/{id}/groups (no paging in the
// spec).
func (s *Server) listUserGroups(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	o := s.org
	o.mu.RLock()
	u := o.resolveLocked(c.param)
	if u == nil {
		o.mu.RUnlock()
		return errNotFound(c.param, "User")
	}
	base := s.baseURL(r)
	out := make([]groupJSON, len(u.groups))
	for i, g := range u.groups {
		out[i] = renderGroup(base, g)
	}
	o.mu.RUnlock()
	writeJSON(w, http.StatusOK, out)
	return nil
}
