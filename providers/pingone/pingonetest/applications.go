package pingonetest

import (
	"net/http"
	"time"
)

// appKind is the kind of application, which decides its type, protocol
// and the protocol-specific properties it carries.
type appKind int

const (
	appWorker       appKind = iota // OIDC WORKER, client_credentials: API callers such as idcmd
	appOIDCWeb                     // OIDC WEB_APP, authorization code
	appOIDCNative                  // OIDC NATIVE_APP, authorization code with PKCE
	appSAML                        // SAML service provider
	appAdminConsole                // the PingOne admin console, actor of console changes
)

// application is a PingOne application.
type application struct {
	id, name, description string
	kind                  appKind
	enabled               bool
	created               time.Time
	homePageURL           string
	redirectURIs          []string
	spEntityID            string
	acsURLs               []string
	// accessGroups restricts sign-on to members of any of these groups.
	accessGroups []*group
}

type appSpec struct {
	id, name, description string
	kind                  appKind
	created               time.Time
	homePageURL           string
	redirectURI           string
	spEntityID, acsURL    string
	accessGroups          []*group
}

func (e *Env) addAppLocked(spec appSpec) *application {
	id := spec.id
	if id == "" {
		id = seededUUID(e.rng)
	}
	a := &application{
		id: id, name: spec.name, description: spec.description, kind: spec.kind, enabled: true,
		created: spec.created, homePageURL: spec.homePageURL, spEntityID: spec.spEntityID,
		accessGroups: spec.accessGroups,
	}
	if spec.redirectURI != "" {
		a.redirectURIs = []string{spec.redirectURI}
	}
	if spec.acsURL != "" {
		a.acsURLs = []string{spec.acsURL}
	}
	e.apps[id] = a
	e.appOrder = append(e.appOrder, a)
	return a
}

// appByName finds an application by name; callers hold e.mu.
func (e *Env) appByNameLocked(name string) *application {
	for _, a := range e.appOrder {
		if a.name == name {
			return a
		}
	}
	return nil
}

// applicationJSON is the wire shape of the spec's Application* schemas:
// the common Application properties plus those of ApplicationOIDC or
// ApplicationSAML.
type applicationJSON struct {
	Links         links              `json:"_links"`
	ID            string             `json:"id"`
	Environment   idRef              `json:"environment"`
	Name          string             `json:"name"`
	Description   string             `json:"description,omitempty"`
	Enabled       bool               `json:"enabled"`
	Type          string             `json:"type"`
	Protocol      string             `json:"protocol"`
	CreatedAt     string             `json:"createdAt"`
	UpdatedAt     string             `json:"updatedAt"`
	HomePageURL   string             `json:"homePageUrl,omitempty"`
	AccessControl *accessControlJSON `json:"accessControl,omitempty"`

	TokenEndpointAuthMethod string   `json:"tokenEndpointAuthMethod,omitempty"`
	GrantTypes              []string `json:"grantTypes,omitempty"`
	ResponseTypes           []string `json:"responseTypes,omitempty"`
	RedirectURIs            []string `json:"redirectUris,omitempty"`
	PKCEEnforcement         string   `json:"pkceEnforcement,omitempty"`

	SPEntityID        string   `json:"spEntityId,omitempty"`
	ACSURLs           []string `json:"acsUrls,omitempty"`
	AssertionDuration int      `json:"assertionDuration,omitempty"`
	AssertionSigned   *bool    `json:"assertionSigned,omitempty"`
}

type accessControlJSON struct {
	Group accessGroupJSON `json:"group"`
}

type accessGroupJSON struct {
	Type   string  `json:"type"`
	Groups []idRef `json:"groups"`
}

func (s *Server) renderApp(r *http.Request, a *application) applicationJSON {
	j := applicationJSON{
		Links:       links{"self": {Href: s.envURL(r, "/applications/"+a.id)}},
		ID:          a.id,
		Environment: idRef{ID: s.EnvironmentID},
		Name:        a.name,
		Description: a.description,
		Enabled:     a.enabled,
		Protocol:    "OPENID_CONNECT",
		CreatedAt:   formatTime(a.created),
		UpdatedAt:   formatTime(a.created),
		HomePageURL: a.homePageURL,
	}
	if len(a.accessGroups) > 0 {
		ac := &accessControlJSON{Group: accessGroupJSON{Type: "ANY_GROUP"}}
		for _, g := range a.accessGroups {
			ac.Group.Groups = append(ac.Group.Groups, idRef{ID: g.id})
		}
		j.AccessControl = ac
	}
	switch a.kind {
	case appWorker:
		j.Type, j.TokenEndpointAuthMethod = "WORKER", "CLIENT_SECRET_BASIC"
		j.GrantTypes = []string{"CLIENT_CREDENTIALS"}
	case appOIDCWeb:
		j.Type, j.TokenEndpointAuthMethod = "WEB_APP", "CLIENT_SECRET_BASIC"
		j.GrantTypes, j.ResponseTypes = []string{"AUTHORIZATION_CODE", "REFRESH_TOKEN"}, []string{"CODE"}
		j.RedirectURIs = a.redirectURIs
	case appOIDCNative:
		j.Type, j.TokenEndpointAuthMethod, j.PKCEEnforcement = "NATIVE_APP", "NONE", "S256_REQUIRED"
		j.GrantTypes, j.ResponseTypes = []string{"AUTHORIZATION_CODE", "REFRESH_TOKEN"}, []string{"CODE"}
		j.RedirectURIs = a.redirectURIs
	case appSAML:
		signed := true
		j.Type, j.Protocol = "WEB_APP", "SAML"
		j.SPEntityID, j.ACSURLs, j.AssertionDuration, j.AssertionSigned = a.spEntityID, a.acsURLs, 3600, &signed
	case appAdminConsole:
		j.Type, j.TokenEndpointAuthMethod = "PING_ONE_ADMIN_CONSOLE", "NONE"
	}
	return j
}

// listApplications serves GET /applications, in creation order.
func (s *Server) listApplications(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	e := s.env
	e.mu.RLock()
	items := make([]applicationJSON, 0, len(e.appOrder))
	for _, a := range e.appOrder {
		items = append(items, s.renderApp(r, a))
	}
	e.mu.RUnlock()
	writeCollection(w, r, s, "applications", items, len(items), "")
	return nil
}

// getApplication serves GET /applications/{id}.
func (s *Server) getApplication(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	e := s.env
	e.mu.RLock()
	a := e.apps[c.id]
	var j applicationJSON
	if a != nil {
		j = s.renderApp(r, a)
	}
	e.mu.RUnlock()
	if a == nil {
		return errNotFound()
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}
