package prisma

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
)

// Permission is one row of an IAM search (PermissionDto of pan.dev
// IAMMicroService.json): a source identity can do an action on a
// destination resource, granted by an entity (group, role, user) through a
// policy. Raw keeps the row as Prisma sent it.
type Permission struct {
	ID string `json:"id"`

	SourceIdPService  string `json:"sourceIdpService"` // OKTA, AZURE_AD, UNKNOWN
	SourceIdPEmail    string `json:"sourceIdpEmail"`
	SourceIdPUsername string `json:"sourceIdpUsername"`
	SourceIdPGroup    string `json:"sourceIdpGroup"`
	SourceIdPDomain   string `json:"sourceIdpDomain"`

	SourceCloudType    string `json:"sourceCloudType"`
	SourceCloudAccount string `json:"sourceCloudAccount"`
	SourceResourceID   string `json:"sourceResourceId"`
	SourceResourceName string `json:"sourceResourceName"`
	SourceResourceType string `json:"sourceResourceType"`

	DestCloudType        string `json:"destCloudType"`
	DestCloudAccount     string `json:"destCloudAccount"`
	DestCloudRegion      string `json:"destCloudRegion"`
	DestCloudServiceName string `json:"destCloudServiceName"`
	DestResourceID       string `json:"destResourceId"`
	DestResourceName     string `json:"destResourceName"`
	DestResourceType     string `json:"destResourceType"`
	WildcardDestination  bool   `json:"isWildCardDestCloudResourceName"`

	EffectiveActionName string `json:"effectiveActionName"`

	GrantedByCloudType       string `json:"grantedByCloudType"`
	GrantedByCloudEntityID   string `json:"grantedByCloudEntityId"`
	GrantedByCloudEntityName string `json:"grantedByCloudEntityName"`
	GrantedByCloudEntityType string `json:"grantedByCloudEntityType"`
	GrantedByCloudPolicyID   string `json:"grantedByCloudPolicyId"`
	GrantedByCloudPolicyName string `json:"grantedByCloudPolicyName"`
	GrantedByCloudPolicyType string `json:"grantedByCloudPolicyType"`

	// LastAccessDate is when the permission was last used, as Prisma
	// writes it: a Unix timestamp in seconds (PermissionLastAccessDto) or
	// milliseconds; empty when never seen used. See LastAccess.
	LastAccessDate         string `json:"lastAccessDate"`
	AccessedResourcesCount int64  `json:"accessedResourcesCount"`
	Exceptions             []struct {
		MessageCode string `json:"messageCode"`
	} `json:"exceptions"`

	Raw json.RawMessage `json:"-"`
}

// LastAccess parses LastAccessDate: Unix seconds, Unix milliseconds (a
// number above 10^11), or RFC 3339. ok is false when it is empty or none
// of these.
func (p Permission) LastAccess() (time.Time, bool) {
	s := strings.TrimSpace(p.LastAccessDate)
	if s == "" {
		return time.Time{}, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n <= 0 {
			return time.Time{}, false
		}
		if n > 100_000_000_000 {
			return time.UnixMilli(n).UTC(), true
		}
		return time.Unix(n, 0).UTC(), true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// PermissionPage is one page of an IAM search (PermissionSearchResultDataDto).
type PermissionPage struct {
	Items []Permission
	// NextPageToken is Prisma's opaque token for the next page; empty on
	// the last page.
	NextPageToken string
	TotalRows     int64
}

// MaxPermissionLimit is the most rows idcmd asks one IAM search page for.
const MaxPermissionLimit = 1000

type permissionSearchRequest struct {
	Query string `json:"query"`
	Limit int    `json:"limit"`
}

type permissionPageRequest struct {
	PageToken string `json:"pageToken"`
	Limit     int    `json:"limit,omitempty"`
}

type permissionData struct {
	Items         []json.RawMessage `json:"items"`
	NextPageToken string            `json:"nextPageToken"`
	TotalRows     int64             `json:"totalRows"`
}

// SearchPermissions runs an IAM RQL query (POST /api/v1/permission) and
// returns its first page of at most limit rows. Build query with
// AccessQuery.RQL: a query built from a caller's text by hand could be
// widened by it. The search only reads, so it is retried like a GET.
func (c *Client) SearchPermissions(ctx context.Context, query string, limit int) (*PermissionPage, error) {
	if !strings.HasPrefix(query, "config from iam where ") {
		return nil, invalid("an IAM search query starts with \"config from iam where \"")
	}
	if limit < 1 || limit > MaxPermissionLimit {
		return nil, invalid("limit must be between 1 and " + strconv.Itoa(MaxPermissionLimit))
	}
	body, err := c.do(ctx, call{op: "searchPermissions", method: http.MethodPost, path: "/api/v1/permission",
		body: permissionSearchRequest{Query: query, Limit: limit}, retry: httpx.RetryIdempotent})
	if err != nil {
		return nil, err
	}
	var reply struct {
		Data permissionData `json:"data"`
	}
	if err := decode("searchPermissions", body, &reply); err != nil {
		return nil, err
	}
	return permissionPage("searchPermissions", reply.Data)
}

// NextPermissions reads the page a NextPageToken names (POST
// /api/v1/permission/page), of at most limit rows.
func (c *Client) NextPermissions(ctx context.Context, token string, limit int) (*PermissionPage, error) {
	if token == "" {
		return nil, invalid("the page token is empty")
	}
	if limit < 0 || limit > MaxPermissionLimit {
		return nil, invalid("limit must be between 1 and " + strconv.Itoa(MaxPermissionLimit))
	}
	body, err := c.do(ctx, call{op: "nextPermissions", method: http.MethodPost, path: "/api/v1/permission/page",
		body: permissionPageRequest{PageToken: token, Limit: limit}, retry: httpx.RetryIdempotent})
	if err != nil {
		return nil, err
	}
	var data permissionData
	if err := decode("nextPermissions", body, &data); err != nil {
		return nil, err
	}
	return permissionPage("nextPermissions", data)
}

func permissionPage(op string, d permissionData) (*PermissionPage, error) {
	page := &PermissionPage{NextPageToken: d.NextPageToken, TotalRows: d.TotalRows, Items: make([]Permission, 0, len(d.Items))}
	for _, raw := range d.Items {
		var p Permission
		if err := decode(op, raw, &p); err != nil {
			return nil, err
		}
		p.Raw = raw
		page.Items = append(page.Items, p)
	}
	return page, nil
}
