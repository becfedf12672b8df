package prisma

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// Alerts (pan.dev Alerts.json): Prisma raises them from its own policies;
// nothing outside can create one (the SOPs' create_alert does not exist).
// idcmd lists them (POST /v2/alert), dismisses or snoozes them (POST
// /alert/dismiss; a dismissalTimeRange makes it a snooze) and reopens them
// (POST /alert/reopen).

// Alert filter names (List Alert Filters, GET /filter/alert/suggest).
// Filters of one name are ORed, of different names ANDed.
const (
	FilterAlertID      = "alert.id"
	FilterAlertStatus  = "alert.status"
	FilterPolicyType   = "policy.type"
	FilterPolicyName   = "policy.name"
	FilterResourceName = "resource.name"
)

// MaxAlertLimit is the most alerts one POST /v2/alert page holds.
const MaxAlertLimit = 10000

// AlertFilter is UIFilterModel; the operator is always "=".
type AlertFilter struct {
	Name, Value string
}

// TimeRange is TimeRangeConfigModel: relative (the last Amount Units), or
// to_now epoch (all time) when Amount is 0.
type TimeRange struct {
	Amount int
	Unit   string // hour, day, week, month, year
}

// AllTime is the to_now epoch range.
var AllTime = TimeRange{}

// LastHours is the relative range of the last h hours.
func LastHours(h int) TimeRange { return TimeRange{Amount: h, Unit: "hour"} }

func (tr TimeRange) MarshalJSON() ([]byte, error) {
	if tr.Amount == 0 {
		return []byte(`{"type":"to_now","value":"epoch"}`), nil
	}
	return json.Marshal(map[string]any{"type": "relative", "value": map[string]any{"amount": tr.Amount, "unit": tr.Unit}})
}

// AlertQuery selects alerts.
type AlertQuery struct {
	Filters   []AlertFilter
	TimeRange TimeRange
	// Limit is the page size, 1..MaxAlertLimit; 0 leaves Prisma's default.
	Limit     int
	PageToken string
}

// Alert is AlertModel, the fields idcmd reads.
type Alert struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Reason string `json:"reason"`
	// Times are epoch milliseconds.
	AlertTime        int64  `json:"alertTime"`
	FirstSeen        int64  `json:"firstSeen"`
	LastUpdated      int64  `json:"lastUpdated"`
	DismissalNote    string `json:"dismissalNote"`
	DismissedBy      string `json:"dismissedBy"`
	DismissalUntilTs int64  `json:"dismissalUntilTs"`
	PolicyID         string `json:"policyId"`
	Policy           struct {
		PolicyID    string `json:"policyId"`
		Name        string `json:"name"`
		PolicyType  string `json:"policyType"`
		Severity    string `json:"severity"`
		Description string `json:"description"`
	} `json:"policy"`
	Resource struct {
		ID           string `json:"id"`
		Name         string `json:"name"`
		Account      string `json:"account"`
		AccountID    string `json:"accountId"`
		CloudType    string `json:"cloudType"`
		ResourceType string `json:"resourceType"`
	} `json:"resource"`
	Raw json.RawMessage `json:"-"`
}

// Time is AlertTime as a time.
func (a *Alert) Time() time.Time { return millis(a.AlertTime) }

// SnoozedUntil is when a snoozed alert opens again (zero otherwise).
func (a *Alert) SnoozedUntil() time.Time { return millis(a.DismissalUntilTs) }

// AlertPage is PagedResultsAlertModel.
type AlertPage struct {
	Items         []Alert
	NextPageToken string
	TotalRows     int64
}

// ListAlerts answers POST /v2/alert?detailed=true.
func (c *Client) ListAlerts(ctx context.Context, q AlertQuery) (*AlertPage, error) {
	if q.Limit < 0 || q.Limit > MaxAlertLimit {
		return nil, invalid("limit must be 1.." + strconv.Itoa(MaxAlertLimit))
	}
	body := map[string]any{"timeRange": q.TimeRange, "detailed": true, "sortBy": []string{"alertTime:desc"}}
	filters := make([]map[string]string, 0, len(q.Filters))
	for _, f := range q.Filters {
		filters = append(filters, map[string]string{"name": f.Name, "operator": "=", "value": f.Value})
	}
	body["filters"] = filters
	if q.Limit > 0 {
		body["limit"] = q.Limit
	}
	if q.PageToken != "" {
		body["pageToken"] = q.PageToken
	}
	const op = "list alerts"
	// Listing changes nothing, so it is retried like a GET.
	raw, err := c.do(ctx, call{op: op, method: http.MethodPost, path: "/v2/alert?detailed=true", body: body, retry: httpx.RetryIdempotent})
	if err != nil {
		return nil, err
	}
	var page struct {
		Items         []json.RawMessage `json:"items"`
		NextPageToken string            `json:"nextPageToken"`
		TotalRows     int64             `json:"totalRows"`
	}
	if err := decode(op, raw, &page); err != nil {
		return nil, err
	}
	out := &AlertPage{NextPageToken: page.NextPageToken, TotalRows: page.TotalRows, Items: make([]Alert, 0, len(page.Items))}
	for _, item := range page.Items {
		var a Alert
		if err := decode(op, item, &a); err != nil {
			return nil, err
		}
		a.Raw = item
		out.Items = append(out.Items, a)
	}
	return out, nil
}

// GetAlerts reads the alerts with these ids, whatever their status and
// age; ids Prisma does not have are missing from the answer.
func (c *Client) GetAlerts(ctx context.Context, ids []string) ([]Alert, error) {
	q := AlertQuery{TimeRange: AllTime, Limit: max(len(ids), 1)}
	for _, id := range ids {
		q.Filters = append(q.Filters, AlertFilter{Name: FilterAlertID, Value: id})
	}
	page, err := c.ListAlerts(ctx, q)
	if err != nil {
		return nil, err
	}
	return page.Items, nil
}

// statusChange is AlertStatusChangeRequestModel. filter (with a time
// range) is required even when alerts are named by id; all time, as
// XSOAR's integration sends, so the ids alone select.
type statusChange struct {
	Alerts             []string   `json:"alerts"`
	DismissalNote      string     `json:"dismissalNote,omitempty"`
	DismissalTimeRange *TimeRange `json:"dismissalTimeRange,omitempty"`
	Filter             struct {
		TimeRange TimeRange `json:"timeRange"`
		Filters   []any     `json:"filters"`
	} `json:"filter"`
}

// DismissAlerts dismisses open alerts with a note.
func (c *Client) DismissAlerts(ctx context.Context, ids []string, note string) error {
	return c.changeStatus(ctx, "dismiss alerts", "/alert/dismiss", ids, note, nil)
}

// SnoozeAlerts snoozes open alerts for hours with a note: Prisma reopens
// them when the time is up.
func (c *Client) SnoozeAlerts(ctx context.Context, ids []string, note string, hours int) error {
	if hours < 1 {
		return invalid("a snooze lasts at least one hour")
	}
	tr := LastHours(hours)
	return c.changeStatus(ctx, "snooze alerts", "/alert/dismiss", ids, note, &tr)
}

// ReopenAlerts sets dismissed or snoozed alerts open again.
func (c *Client) ReopenAlerts(ctx context.Context, ids []string) error {
	return c.changeStatus(ctx, "reopen alerts", "/alert/reopen", ids, "", nil)
}

func (c *Client) changeStatus(ctx context.Context, op, path string, ids []string, note string, snooze *TimeRange) error {
	if len(ids) == 0 {
		return invalid("no alert ids")
	}
	b := statusChange{Alerts: ids, DismissalNote: note, DismissalTimeRange: snooze}
	b.Filter.TimeRange = AllTime
	b.Filter.Filters = []any{}
	_, err := c.do(ctx, call{op: op, method: http.MethodPost, path: path, body: b, retry: httpx.RetryRateLimited})
	return stateConflict(err)
}

// stateConflict reports Prisma's alert_no_longer_in_expected_state (a 404:
// the alert is not in a state the change applies to, say already
// dismissed) as the conflict it is.
func stateConflict(err error) error {
	var ue *upstream.Error
	if errors.As(err, &ue) && ue.Code == "alert_no_longer_in_expected_state" {
		ue.Kind = upstream.Conflict
		ue.Message = "an alert is no longer in the state this change applies to"
	}
	return err
}

// DismissalNoteRequired answers GET /alert/dismiss/require_dismissal_note.
func (c *Client) DismissalNoteRequired(ctx context.Context) (bool, error) {
	const op = "dismissal note setting"
	raw, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/alert/dismiss/require_dismissal_note", retry: httpx.RetryIdempotent})
	if err != nil {
		return false, err
	}
	var v struct {
		RequireDismissalNote bool `json:"requireDismissalNote"`
	}
	return v.RequireDismissalNote, decode(op, raw, &v)
}
