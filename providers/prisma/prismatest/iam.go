package prismatest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// The IAM permission search (pan.dev IAMMicroService.json): POST
// /api/v1/permission runs an RQL query and answers its first page, POST
// /api/v1/permission/page answers the page a nextPageToken names. Like
// Prisma's IAM endpoints, errors come as the JSON error body and never in
// x-redlock-status.

// PageTokenTTL is how long a nextPageToken can be used.
const PageTokenTTL = 30 * time.Minute

// permission is one row of the fake's IAM data: PermissionDto, plus the
// e-mail of a cloud identity (source.email), which the DTO has no field
// for.
type permission struct {
	ID                              string                `json:"id"`
	SourceIdpService                string                `json:"sourceIdpService,omitempty"`
	SourceIdpEmail                  string                `json:"sourceIdpEmail,omitempty"`
	SourceIdpUsername               string                `json:"sourceIdpUsername,omitempty"`
	SourceIdpGroup                  string                `json:"sourceIdpGroup,omitempty"`
	SourceIdpDomain                 string                `json:"sourceIdpDomain,omitempty"`
	SourceIdpRrn                    string                `json:"sourceIdpRrn,omitempty"`
	SourceCloudType                 string                `json:"sourceCloudType,omitempty"`
	SourceCloudAccount              string                `json:"sourceCloudAccount,omitempty"`
	SourceCloudRegion               string                `json:"sourceCloudRegion,omitempty"`
	SourceCloudServiceName          string                `json:"sourceCloudServiceName,omitempty"`
	SourceResourceID                string                `json:"sourceResourceId,omitempty"`
	SourceResourceName              string                `json:"sourceResourceName,omitempty"`
	SourceResourceType              string                `json:"sourceResourceType,omitempty"`
	SourcePublic                    bool                  `json:"sourcePublic"`
	DestCloudType                   string                `json:"destCloudType"`
	DestCloudAccount                string                `json:"destCloudAccount"`
	DestCloudRegion                 string                `json:"destCloudRegion"`
	DestCloudServiceName            string                `json:"destCloudServiceName"`
	DestResourceID                  string                `json:"destResourceId"`
	DestResourceName                string                `json:"destResourceName"`
	DestResourceType                string                `json:"destResourceType"`
	IsWildCardDestCloudResourceName bool                  `json:"isWildCardDestCloudResourceName"`
	EffectiveActionName             string                `json:"effectiveActionName"`
	GrantedByCloudType              string                `json:"grantedByCloudType"`
	GrantedByCloudEntityID          string                `json:"grantedByCloudEntityId"`
	GrantedByCloudEntityName        string                `json:"grantedByCloudEntityName"`
	GrantedByCloudEntityType        string                `json:"grantedByCloudEntityType"`
	GrantedByCloudPolicyID          string                `json:"grantedByCloudPolicyId"`
	GrantedByCloudPolicyName        string                `json:"grantedByCloudPolicyName"`
	GrantedByCloudPolicyType        string                `json:"grantedByCloudPolicyType"`
	LastAccessDate                  string                `json:"lastAccessDate,omitempty"`
	AccessedResourcesCount          int64                 `json:"accessedResourcesCount"`
	Exceptions                      []permissionException `json:"exceptions"`

	sourceEmail string
}

type permissionException struct {
	MessageCode string `json:"messageCode"`
}

// permissionFields are the RQL attributes the fake can filter on, and
// where each is in a row.
var permissionFields = map[string]func(*permission) string{
	"source.idp.service":          func(p *permission) string { return p.SourceIdpService },
	"source.idp.email":            func(p *permission) string { return p.SourceIdpEmail },
	"source.idp.username":         func(p *permission) string { return p.SourceIdpUsername },
	"source.idp.group":            func(p *permission) string { return p.SourceIdpGroup },
	"source.idp.domain":           func(p *permission) string { return p.SourceIdpDomain },
	"source.email":                func(p *permission) string { return p.sourceEmail },
	"source.cloud.type":           func(p *permission) string { return p.SourceCloudType },
	"source.cloud.account":        func(p *permission) string { return p.SourceCloudAccount },
	"source.cloud.region":         func(p *permission) string { return p.SourceCloudRegion },
	"source.cloud.service.name":   func(p *permission) string { return p.SourceCloudServiceName },
	"source.cloud.resource.name":  func(p *permission) string { return p.SourceResourceName },
	"source.cloud.resource.type":  func(p *permission) string { return p.SourceResourceType },
	"source.cloud.resource.id":    func(p *permission) string { return p.SourceResourceID },
	"dest.cloud.type":             func(p *permission) string { return p.DestCloudType },
	"dest.cloud.account":          func(p *permission) string { return p.DestCloudAccount },
	"dest.cloud.region":           func(p *permission) string { return p.DestCloudRegion },
	"dest.cloud.service.name":     func(p *permission) string { return p.DestCloudServiceName },
	"dest.cloud.resource.name":    func(p *permission) string { return p.DestResourceName },
	"dest.cloud.resource.type":    func(p *permission) string { return p.DestResourceType },
	"action.name":                 func(p *permission) string { return p.EffectiveActionName },
	"grantedby.cloud.type":        func(p *permission) string { return p.GrantedByCloudType },
	"grantedby.cloud.entity.name": func(p *permission) string { return p.GrantedByCloudEntityName },
	"grantedby.cloud.entity.type": func(p *permission) string { return p.GrantedByCloudEntityType },
	"grantedby.cloud.entity.id":   func(p *permission) string { return p.GrantedByCloudEntityID },
	"grantedby.cloud.policy.name": func(p *permission) string { return p.GrantedByCloudPolicyName },
	"grantedby.cloud.policy.type": func(p *permission) string { return p.GrantedByCloudPolicyType },
	"grantedby.cloud.policy.id":   func(p *permission) string { return p.GrantedByCloudPolicyID },
}

// iamRoutes are the IAM search's routes.
func (s *Server) iamRoutes() []route {
	return []route{
		{"POST /api/v1/permission", s.searchPermissions},
		{"POST /api/v1/permission/page", s.nextPermissions},
	}
}

// badArgument answers 400 with the IAM error body.
func badArgument(w http.ResponseWriter, message, target string) {
	WriteError(w, http.StatusBadRequest, "BadArgument", message, target)
}

func (s *Server) searchPermissions(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ID    string `json:"id"`
		Query string `json:"query"`
		Limit *int   `json:"limit"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&body); err != nil {
		badArgument(w, "the request body is not a PermissionSearchRequestDto", "body")
		return
	}
	if body.Query == "" {
		badArgument(w, "query is required", "query")
		return
	}
	if body.Limit == nil || *body.Limit < 1 {
		badArgument(w, "limit is required and must be at least 1", "limit")
		return
	}
	q, err := parseRQL(body.Query)
	if err != nil {
		badArgument(w, "invalid RQL query: "+err.Error(), "query")
		return
	}
	data := s.permissionPage(body.Query, q, 0, *body.Limit)
	writeJSON(w, http.StatusOK, map[string]any{
		"id": body.ID, "query": body.Query, "searchType": "iam", "saved": false,
		"timeRange": map[string]any{"type": "to_now", "value": "epoch"},
		"data":      data,
	})
}

func (s *Server) nextPermissions(w http.ResponseWriter, r *http.Request) {
	var body struct {
		PageToken string `json:"pageToken"`
		Limit     int    `json:"limit"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&body); err != nil {
		badArgument(w, "the request body is not a PermissionSearchPageRequestDto", "body")
		return
	}
	tok, ok := s.openPageToken(body.PageToken)
	if !ok {
		badArgument(w, "the page token is invalid or has expired", "pageToken")
		return
	}
	if body.Limit < 0 {
		badArgument(w, "limit must be at least 1", "limit")
		return
	}
	limit := tok.Limit
	if body.Limit > 0 {
		limit = body.Limit
	}
	q, err := parseRQL(tok.Query)
	if err != nil { // cannot happen: the token was issued for a parsed query
		badArgument(w, "invalid RQL query: "+err.Error(), "pageToken")
		return
	}
	writeJSON(w, http.StatusOK, s.permissionPage(tok.Query, q, tok.Offset, limit))
}

// permissionPage is PermissionSearchResultDataDto for rows offset.. of q.
func (s *Server) permissionPage(query string, q *rqlQuery, offset, limit int) map[string]any {
	s.mu.Lock()
	var hits []permission
	for i := range s.state.permissions {
		if q.matches(&s.state.permissions[i]) {
			hits = append(hits, s.state.permissions[i])
		}
	}
	s.mu.Unlock()
	items := []permission{}
	if offset < len(hits) {
		items = hits[offset:min(len(hits), offset+limit)]
	}
	for i := range items {
		if items[i].Exceptions == nil {
			items[i].Exceptions = []permissionException{}
		}
	}
	data := map[string]any{"items": items, "totalRows": len(hits), "searchedDestCloudResourceNames": []string{}}
	if end := offset + len(items); end < len(hits) {
		data["nextPageToken"] = s.sealPageToken(pageToken{Query: query, Offset: end, Limit: limit})
	}
	return data
}

// pageToken is what a nextPageToken (IAM search, alerts) holds, signed
// with the fake's key so it cannot be forged or edited, and with its
// expiry.
type pageToken struct {
	Query   string `json:"q"`
	Offset  int    `json:"o"`
	Limit   int    `json:"l"`
	Expires int64  `json:"e"`
}

func (s *Server) pageMAC(payload []byte) []byte {
	m := hmac.New(sha256.New, s.signKey)
	m.Write([]byte("prismatest page token\x00"))
	m.Write(payload)
	return m.Sum(nil)[:16]
}

// sealPageToken encodes t as standard base64 (with +, / and =, as Prisma's
// tokens have), so a client must carry it opaquely.
func (s *Server) sealPageToken(t pageToken) string {
	t.Expires = s.now().Add(PageTokenTTL).Unix()
	payload, _ := json.Marshal(t)
	return base64.StdEncoding.EncodeToString(append(s.pageMAC(payload), payload...))
}

func (s *Server) openPageToken(tok string) (pageToken, bool) {
	raw, err := base64.StdEncoding.DecodeString(tok)
	if err != nil || len(raw) <= 16 {
		return pageToken{}, false
	}
	mac, payload := raw[:16], raw[16:]
	if !hmac.Equal(mac, s.pageMAC(payload)) {
		return pageToken{}, false
	}
	var t pageToken
	if json.Unmarshal(payload, &t) != nil || t.Offset < 0 || t.Limit < 1 || s.now().Unix() >= t.Expires {
		return pageToken{}, false
	}
	return t, true
}

// unixString is a lastAccessDate: Unix seconds, as PermissionLastAccessDto
// documents the format.
func unixString(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
