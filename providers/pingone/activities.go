package pingone

import (
	"context"
	"encoding/json"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	activitiesPath = "/activities"
	// maxActivityLimit is the activities page size ceiling.
	maxActivityLimit = 1000
	// activityRetention is how far back PingOne serves activities without
	// a restore (reference §4.5).
	activityRetention = 14 * 24 * time.Hour
	// retentionGrace lets a Since of "exactly 14 days ago", computed by the
	// caller a moment earlier, pass the retention check.
	retentionGrace = time.Minute
	// activityTimeFormat is the form PingOne's docs use for recordedat:
	// yyyy-MM-dd'T'HH:mm:ss.SSSZ, in UTC.
	activityTimeFormat = "2006-01-02T15:04:05.000Z"
)

// actionTypePattern is the RESOURCE.VERB form every known action type has
// (specs/pingone-audit-action-types.json), such as USER.ACCESS_ALLOWED.
var actionTypePattern = regexp.MustCompile(`^[A-Z0-9_]+(\.[A-Z0-9_]+)+$`)

// ListActivities returns one page of audit activities, newest first, and
// the cursor of the next page ("" on the last). With q.Cursor set, the
// page it points to is fetched and the other fields are ignored.
//
// The filter is built from q (see activityFilter); PingOne's /activities
// has a lower rate limit than other endpoints, so use a small Limit only
// when few activities are wanted.
func (c *Client) ListActivities(ctx context.Context, q ActivityQuery) ([]Activity, string, error) {
	u, err := c.activitiesURL(q)
	if err != nil {
		return nil, "", err
	}
	resp, err := c.get(ctx, "listActivities", u)
	if err != nil {
		return nil, "", err
	}
	raws, link, err := decodeRawPage("listActivities", "activities", resp)
	if err != nil {
		return nil, "", err
	}
	activities := make([]Activity, len(raws))
	for i, raw := range raws {
		activities[i] = DecodeActivity(raw)
	}
	if link == "" {
		return activities, "", nil
	}
	next, err := c.encodeCursor("listActivities", link, c.envPath+activitiesPath)
	if err != nil {
		return nil, "", err
	}
	return activities, next, nil
}

// ActivitiesCursor returns the cursor of the first page of q:
// ListActivities with it as the Cursor fetches that same page.
func (c *Client) ActivitiesCursor(q ActivityQuery) (string, error) {
	u, err := c.activitiesURL(q)
	if err != nil {
		return "", err
	}
	return c.encodeCursor("listActivities", u, c.envPath+activitiesPath)
}

func (c *Client) activitiesURL(q ActivityQuery) (string, error) {
	if q.Cursor != "" {
		return c.cursorURL(q.Cursor, c.envPath+activitiesPath)
	}
	if q.Limit < 0 || q.Limit > maxActivityLimit {
		return "", invalid("limit must be between 1 and 1000 (0 means PingOne's default of 100)")
	}
	filter, err := c.activityFilter(q)
	if err != nil {
		return "", err
	}
	v := url.Values{"filter": {filter}}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return c.endpoint(activitiesPath, v), nil
}

// activityFilter builds the SCIM filter for q:
//
//	recordedat ge "<since>" and recordedat le "<until>"
//	[and actors.user.id eq "<id>"] [and resources.id eq "<id>"]
//	[and action.type eq "<type>"]
//
// PingOne requires the recordedat range. Several action types become one
// parenthesised group, (action.type eq "A" or action.type eq "B"): "or"
// and grouping are standard SCIM (RFC 7644) and PingOne's filter language
// documents both, whereas the "in" operator appears only in its legacy
// docs with no syntax for the list. One query therefore serves any number
// of types, and one cursor pages through them all.
//
// PingOne's docs say a filter may add any one of actor, action type,
// resource or population to the range; combinations are sent as asked,
// and if PingOne refuses one the caller gets its Invalid answer.
func (c *Client) activityFilter(q ActivityQuery) (string, error) {
	switch {
	case q.Since.IsZero() || q.Until.IsZero():
		return "", invalid("since and until are both required: PingOne reads activities by time range")
	case q.Until.Before(q.Since):
		return "", invalid("until must not be before since")
	case q.Since.Before(c.now().Add(-activityRetention - retentionGrace)):
		return "", invalid("since is more than 14 days ago; PingOne serves older activities only after they are restored")
	}
	parts := []string{
		"recordedat ge " + scimString(q.Since.UTC().Format(activityTimeFormat)),
		"recordedat le " + scimString(q.Until.UTC().Format(activityTimeFormat)),
	}
	if q.ActorUserID != "" {
		if err := checkFilterID("actor user ID", q.ActorUserID); err != nil {
			return "", err
		}
		parts = append(parts, "actors.user.id eq "+scimString(q.ActorUserID))
	}
	if q.ResourceID != "" {
		if err := checkFilterID("resource ID", q.ResourceID); err != nil {
			return "", err
		}
		parts = append(parts, "resources.id eq "+scimString(q.ResourceID))
	}
	types, err := actionTypes(q.ActionTypes)
	if err != nil {
		return "", err
	}
	switch len(types) {
	case 0:
	case 1:
		parts = append(parts, "action.type eq "+scimString(types[0]))
	default:
		alts := make([]string, len(types))
		for i, t := range types {
			alts[i] = "action.type eq " + scimString(t)
		}
		parts = append(parts, "("+strings.Join(alts, " or ")+")")
	}
	return strings.Join(parts, " and "), nil
}

// checkFilterID refuses an ID that could only be a mistake or an attack
// on the filter. Values are quoted anyway; this keeps the error the
// caller sees about their input rather than PingOne's parser.
func checkFilterID(name, id string) error {
	if len(id) > 256 || strings.ContainsAny(id, `"\`) || strings.ContainsFunc(id, isControl) {
		return invalid(name + " " + quoteForMessage(id) + " is not a valid PingOne ID")
	}
	return nil
}

// actionTypes upper-cases, checks and de-duplicates action types, keeping
// their order.
func actionTypes(in []string) ([]string, error) {
	var out []string
	for _, t := range in {
		t = strings.ToUpper(strings.TrimSpace(t))
		if !actionTypePattern.MatchString(t) {
			return nil, invalid("action type " + quoteForMessage(t) + " is not of the form RESOURCE.VERB, like USER.LOCKED")
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// DecodeActivity decodes one activity leniently, as ListActivities does;
// webhook deliveries carry the same activities. Activities come in many
// shapes (each action type has its own resources and extras), so a
// malformed activity is never dropped and never fails the page: it is
// KEPT, with every typed field that could be decoded and Raw always set
// to the activity as PingOne sent it.
func DecodeActivity(raw json.RawMessage) Activity {
	var a Activity
	if err := json.Unmarshal(raw, &a); err != nil {
		// encoding/json stops at the first value whose own decoder fails
		// (a bad timestamp), so retry field by field: one bad field then
		// costs only itself.
		a = decodeActivityFields(raw)
	}
	a.Raw = raw
	return a
}

// decodeActivityFields decodes each top-level field of Activity on its
// own, leaving those that fail at their zero value.
func decodeActivityFields(raw json.RawMessage) Activity {
	var a Activity
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return a
	}
	v := reflect.ValueOf(&a).Elem()
	t := v.Type()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if value, ok := fields[name]; ok && name != "" && name != "-" {
			_ = json.Unmarshal(value, v.Field(i).Addr().Interface())
		}
	}
	return a
}
