package prismatest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Alerts (pan.dev Alerts.json): POST /v2/alert with filters, a time range
// and pageToken paging; POST /alert/dismiss (a dismissalTimeRange makes
// it a snooze) and POST /alert/reopen, with Prisma's state rules: only an
// open alert can be dismissed or snoozed, only a dismissed or snoozed one
// reopened; anything else answers 404 alert_no_longer_in_expected_state
// and changes nothing.

// Seeded identity alerts. The IAM policies' alerts are about an Okta
// user: resource.name is the user's e-mail (Prisma's IAM alert resource
// is the source identity).
const (
	PolicyOktaAdminAccess = "Okta user with AdministratorAccess in AWS"
	PolicyOktaUnusedAdmin = "Okta user with unused admin permissions in AWS"
	PolicyIAMUserNoMFA    = "AWS IAM user without MFA"

	AlertAwongAdminProd   = "I-1001"
	AlertAwongAdminShared = "I-1002"
	AlertAwongUnusedAdmin = "I-1003"
	AlertJdoeDismissed    = "I-1004"
	AlertBwilsonSnoozed   = "I-1005"
	AlertKpatelResolved   = "I-1006"
	AlertAwongConfig      = "P-2001"
)

// maxAlertLimit is the most alerts one page holds (FilterModel.limit).
const maxAlertLimit = 10000

type alertPolicy struct {
	ID, Name, Type, Severity, Description, Criteria string
}

type alert struct {
	ID, Status, Reason string
	Time, FirstSeen    time.Time
	LastUpdated        time.Time
	Policy             alertPolicy
	Resource           string // resource.name: the identity
	ResourceID         string
	ResourceType       string
	Account, AccountID string
	Note, DismissedBy  string
	Until              time.Time // snoozed until
	History            []map[string]string
}

var (
	policyAdminAccess = alertPolicy{ID: "5a4c2e10-0b1f-4c39-8a5e-0b6f3a1d9e01", Name: PolicyOktaAdminAccess, Type: "iam", Severity: "high",
		Description: "An Okta user can assume a role with the AWS managed policy AdministratorAccess.",
		Criteria:    "config from iam where source.idp.service = 'Okta' AND grantedby.cloud.policy.name = 'AdministratorAccess'"}
	policyUnusedAdmin = alertPolicy{ID: "5a4c2e10-0b1f-4c39-8a5e-0b6f3a1d9e02", Name: PolicyOktaUnusedAdmin, Type: "iam", Severity: "medium",
		Description: "An Okta user holds administrative permissions in AWS that were not used in 90 days.",
		Criteria:    "config from iam where source.idp.service = 'Okta' AND action.lastaccess.days > 90 AND grantedby.cloud.policy.name = 'AdministratorAccess'"}
	policyNoMFA = alertPolicy{ID: "5a4c2e10-0b1f-4c39-8a5e-0b6f3a1d9e03", Name: PolicyIAMUserNoMFA, Type: "config", Severity: "medium",
		Description: "An AWS IAM user with console access has no MFA device.",
		Criteria:    "config from cloud.resource where api.name = 'aws-iam-get-credential-report' AND json.rule = mfa_active is false"}
)

func (s *Server) seedAlerts() {
	now := s.now()
	ago := func(h int) time.Time { return now.Add(-time.Duration(h) * time.Hour) }
	mk := func(id string, p alertPolicy, user, account, accountID string, at time.Time) *alert {
		a := &alert{ID: id, Status: "open", Reason: "NEW_ALERT", Time: at, FirstSeen: at, LastUpdated: at, Policy: p,
			Resource: user, ResourceID: "okta:" + user + ":" + accountID, ResourceType: "Okta user", Account: account, AccountID: accountID,
			History: []map[string]string{{"status": "OPEN", "reason": "NEW_ALERT"}}}
		if p.Type != "iam" {
			a.ResourceID, a.ResourceType = "arn:aws:iam::"+accountID+":user/"+user, "IAM user"
		}
		return a
	}
	dismissed := mk(AlertJdoeDismissed, policyAdminAccess, "jdoe@example.com", "aws-dev", "345678901234", ago(240))
	dismissed.Status, dismissed.Reason, dismissed.Note, dismissed.DismissedBy = "dismissed", "USER_DISMISSED", "Break-glass access approved in CHG-1042", "secops@example.com"
	dismissed.History = append(dismissed.History, map[string]string{"status": "DISMISSED", "reason": "USER_DISMISSED"})
	snoozed := mk(AlertBwilsonSnoozed, policyUnusedAdmin, "bwilson@example.com", "aws-prod", "123456789012", ago(72))
	snoozed.Status, snoozed.Reason, snoozed.Note, snoozed.DismissedBy, snoozed.Until = "snoozed", "USER_SNOOZED", "Owner on leave until Friday", "secops@example.com", now.Add(72*time.Hour)
	snoozed.History = append(snoozed.History, map[string]string{"status": "SNOOZED", "reason": "USER_SNOOZED"})
	resolved := mk(AlertKpatelResolved, policyAdminAccess, "kpatel@example.com", "aws-prod", "123456789012", ago(480))
	resolved.Status, resolved.Reason = "resolved", "RESOURCE_UPDATED"
	resolved.History = append(resolved.History, map[string]string{"status": "RESOLVED", "reason": "RESOURCE_UPDATED"})
	s.state.alerts = append(s.state.alerts,
		mk(AlertAwongAdminProd, policyAdminAccess, "awong@example.com", "aws-prod", "123456789012", ago(48)),
		mk(AlertAwongAdminShared, policyAdminAccess, "awong@example.com", "aws-shared", "210987654321", ago(26)),
		mk(AlertAwongUnusedAdmin, policyUnusedAdmin, "awong@example.com", "aws-prod", "123456789012", ago(120)),
		dismissed, snoozed, resolved,
		mk(AlertAwongConfig, policyNoMFA, "awong@example.com", "aws-prod", "123456789012", ago(30)),
	)
}

// AddAlert stores an open IAM alert of the Okta admin-access policy for
// user in account and returns its id (for paging and state tests).
func (s *Server) AddAlert(user, account string, at time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := "I-" + strconv.Itoa(3000+len(s.state.alerts))
	s.state.alerts = append(s.state.alerts, &alert{ID: id, Status: "open", Reason: "NEW_ALERT", Time: at, FirstSeen: at, LastUpdated: at,
		Policy: policyAdminAccess, Resource: user, ResourceID: "okta:" + user + ":" + account, ResourceType: "Okta user",
		Account: account, AccountID: "999999999999", History: []map[string]string{{"status": "OPEN", "reason": "NEW_ALERT"}}})
	return id
}

// AlertStatus returns the alert's status, note and snooze end ("" when
// there is no such alert).
func (s *Server) AlertStatus(id string) (status, note string, until time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.state.alerts {
		if a.ID == id {
			return a.Status, a.Note, a.Until
		}
	}
	return "", "", time.Time{}
}

// DismissCalls counts the status changes the fake applied (dismiss,
// snooze, reopen requests that changed something).
func (s *Server) DismissCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.statusChanges
}

// SetDismissalNoteOptional makes the tenant accept a dismissal without a
// note (Prisma's default is to require one in idcmd's sandbox).
func (s *Server) SetDismissalNoteOptional(optional bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.optionalDismissNote = optional
}

func (a *alert) view(now time.Time) map[string]any {
	m := map[string]any{
		"id": a.ID, "status": a.Status, "reason": a.Reason,
		"alertTime": a.Time.UnixMilli(), "firstSeen": a.FirstSeen.UnixMilli(), "lastSeen": a.LastUpdated.UnixMilli(),
		"lastUpdated": a.LastUpdated.UnixMilli(), "policyId": a.Policy.ID, "alertCount": 1,
		"policy": map[string]any{
			"policyId": a.Policy.ID, "name": a.Policy.Name, "policyType": a.Policy.Type, "severity": a.Policy.Severity,
			"description": a.Policy.Description, "systemDefault": false, "remediable": false, "labels": []string{"identity"},
			"recommendation": "Remove the user from the Okta group that maps to the role, or narrow the role.",
			"rule": map[string]any{"name": a.Policy.Name, "criteria": a.Policy.ID, "parameters": map[string]string{"savedSearch": "true"},
				"type": map[string]string{"iam": "IAM", "config": "Config"}[a.Policy.Type]},
		},
		"resource": map[string]any{
			"id": a.ResourceID, "name": a.Resource, "account": a.Account, "accountId": a.AccountID, "cloudType": "aws",
			"resourceType": a.ResourceType, "region": "AWS Global", "regionId": "aws-global", "rrn": "rrn::" + a.ResourceID,
			"data": map[string]any{"email": a.Resource, "idp": "Okta"},
		},
		"history": a.History,
	}
	if a.Policy.Type == "iam" {
		m["alertAdditionalInfo"] = map[string]string{"source.idp.email": a.Resource, "dest.cloud.account": a.Account}
	}
	if a.Note != "" {
		m["dismissalNote"], m["dismissedBy"] = a.Note, a.DismissedBy
	}
	if a.Status == "snoozed" && !a.Until.IsZero() {
		m["dismissalUntilTs"] = a.Until.UnixMilli()
		m["dismissalDuration"] = strconv.Itoa(int(a.Until.Sub(now).Hours()+0.5)) + " hours"
	}
	return m
}

// alertFilters are the filter names the fake understands (List Alert
// Filters); each is read from the alert as Prisma does.
var alertFilters = map[string]func(*alert) string{
	"alert.id":        func(a *alert) string { return a.ID },
	"alert.status":    func(a *alert) string { return a.Status },
	"policy.id":       func(a *alert) string { return a.Policy.ID },
	"policy.name":     func(a *alert) string { return a.Policy.Name },
	"policy.type":     func(a *alert) string { return a.Policy.Type },
	"policy.severity": func(a *alert) string { return a.Policy.Severity },
	"resource.id":     func(a *alert) string { return a.ResourceID },
	"resource.name":   func(a *alert) string { return a.Resource },
	"resource.type":   func(a *alert) string { return a.ResourceType },
	"cloud.account":   func(a *alert) string { return a.Account },
	"cloud.accountId": func(a *alert) string { return a.AccountID },
	"cloud.type":      func(*alert) string { return "aws" },
}

// filterBody is FilterModel.
type filterBody struct {
	Filters []struct {
		Name     string `json:"name"`
		Operator string `json:"operator"`
		Value    string `json:"value"`
	} `json:"filters"`
	TimeRange *timeRange `json:"timeRange"`
	Limit     *float64   `json:"limit"`
	PageToken string     `json:"pageToken"`
	Detailed  bool       `json:"detailed"`
}

// timeRange is TimeRangeConfigModel, all three kinds.
type timeRange struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

var timeUnits = map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour,
	"week": 7 * 24 * time.Hour, "month": 30 * 24 * time.Hour, "year": 365 * 24 * time.Hour}

// window returns [from, to) for a time range; ok false names a bad one.
func (tr *timeRange) window(now time.Time) (from, to time.Time, ok bool) {
	if tr == nil {
		return time.Time{}, now.Add(time.Hour), true
	}
	switch tr.Type {
	case "relative":
		var v struct {
			Amount int    `json:"amount"`
			Unit   string `json:"unit"`
		}
		if json.Unmarshal(tr.Value, &v) != nil || v.Amount <= 0 || timeUnits[v.Unit] == 0 {
			return from, to, false
		}
		return now.Add(-time.Duration(v.Amount) * timeUnits[v.Unit]), now.Add(time.Hour), true
	case "to_now":
		var v string
		if json.Unmarshal(tr.Value, &v) != nil {
			return from, to, false
		}
		switch strings.ToLower(v) {
		case "epoch", "login":
			return time.Time{}, now.Add(time.Hour), true
		}
		if d := timeUnits[strings.ToLower(v)]; d != 0 {
			return now.Add(-d), now.Add(time.Hour), true
		}
		return from, to, false
	case "absolute":
		var v struct {
			StartTime int64 `json:"startTime"`
			EndTime   int64 `json:"endTime"`
		}
		if json.Unmarshal(tr.Value, &v) != nil || v.EndTime < v.StartTime {
			return from, to, false
		}
		return time.UnixMilli(v.StartTime), time.UnixMilli(v.EndTime), true
	}
	return from, to, false
}

// match selects the alerts of b: filters of one name are ORed, of
// different names ANDed; newest first. bad names the offending field.
func (s *Server) match(b *filterBody) (out []*alert, bad string) {
	byName := map[string][]string{}
	for _, f := range b.Filters {
		if alertFilters[f.Name] == nil {
			return nil, f.Name
		}
		if f.Operator != "=" {
			return nil, "operator"
		}
		byName[f.Name] = append(byName[f.Name], f.Value)
	}
	now := s.now()
	from, to, ok := b.TimeRange.window(now)
	if !ok {
		return nil, "timeRange"
	}
	for _, a := range s.state.alerts {
		if a.Time.Before(from) || !a.Time.Before(to) {
			continue
		}
		keep := true
		for name, values := range byName {
			if !slices.Contains(values, alertFilters[name](a)) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(x, y *alert) int {
		if c := y.Time.Compare(x.Time); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return out, ""
}

func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request) {
	var b filterBody
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&b); err != nil {
		WriteStatus(w, http.StatusBadRequest, "invalid_parameter_value", "body")
		return
	}
	limit := maxAlertLimit
	if b.Limit != nil {
		if *b.Limit < 1 || *b.Limit > maxAlertLimit {
			WriteStatus(w, http.StatusBadRequest, "invalid_parameter_value", "limit")
			return
		}
		limit = int(*b.Limit)
	}
	// The token is bound to the query (filters and time range), not to
	// the page size.
	q, _ := json.Marshal(struct {
		F any
		T any
	}{b.Filters, b.TimeRange})
	s.mu.Lock()
	defer s.mu.Unlock()
	all, bad := s.match(&b)
	if bad != "" {
		WriteStatus(w, http.StatusBadRequest, "invalid_parameter_value", bad)
		return
	}
	offset := 0
	if b.PageToken != "" {
		t, ok := s.openPageToken(b.PageToken)
		if !ok || t.Query != string(q) {
			WriteStatus(w, http.StatusBadRequest, "invalid_parameter_value", "pageToken")
			return
		}
		offset = min(t.Offset, len(all))
	}
	end := min(offset+limit, len(all))
	now := s.now()
	items := make([]any, 0, end-offset)
	for _, a := range all[offset:end] {
		items = append(items, a.view(now))
	}
	out := map[string]any{"items": items, "totalRows": len(all),
		"sortAllowedColumns": []string{"alertTime", "policy.name", "resource.name"}}
	if end < len(all) {
		out["nextPageToken"] = s.sealPageToken(pageToken{Query: string(q), Offset: end, Limit: limit})
	}
	writeJSON(w, http.StatusOK, out)
}

// statusChangeBody is AlertStatusChangeRequestModel.
type statusChangeBody struct {
	Alerts             []string    `json:"alerts"`
	Policies           []string    `json:"policies"`
	DismissalNote      string      `json:"dismissalNote"`
	DismissalTimeRange *timeRange  `json:"dismissalTimeRange"`
	Filter             *filterBody `json:"filter"`
}

// readStatusChange decodes and checks a status change; it answers the
// error itself and returns nil then.
func (s *Server) readStatusChange(w http.ResponseWriter, r *http.Request) *statusChangeBody {
	var b statusChangeBody
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&b); err != nil {
		WriteStatus(w, http.StatusBadRequest, "invalid_parameter_value", "body")
		return nil
	}
	switch {
	case b.Filter == nil:
		WriteStatus(w, http.StatusBadRequest, "missing_required_parameter", "filter")
		return nil
	case b.Filter.TimeRange == nil:
		WriteStatus(w, http.StatusBadRequest, "missing_required_parameter", "filter.timeRange")
		return nil
	case len(b.Alerts) == 0 && len(b.Policies) == 0:
		WriteStatus(w, http.StatusBadRequest, "missing_required_parameter", "alerts")
		return nil
	}
	if _, _, ok := b.Filter.TimeRange.window(s.now()); !ok {
		WriteStatus(w, http.StatusBadRequest, "invalid_parameter_value", "filter.timeRange")
		return nil
	}
	return &b
}

// targets are the alerts a status change names (by id, or by policy id).
func (s *Server) targets(b *statusChangeBody) (out []*alert, missing string) {
	for _, id := range b.Alerts {
		i := slices.IndexFunc(s.state.alerts, func(a *alert) bool { return a.ID == id })
		if i < 0 {
			return nil, id
		}
		out = append(out, s.state.alerts[i])
	}
	for _, pid := range b.Policies {
		for _, a := range s.state.alerts {
			if a.Policy.ID == pid && !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out, ""
}

func (s *Server) dismissAlerts(w http.ResponseWriter, r *http.Request) {
	b := s.readStatusChange(w, r)
	if b == nil {
		return
	}
	now := s.now()
	var until time.Time
	if b.DismissalTimeRange != nil {
		from, to, ok := b.DismissalTimeRange.window(now)
		switch {
		case !ok:
			WriteStatus(w, http.StatusBadRequest, "invalid_parameter_value", "dismissalTimeRange")
			return
		case b.DismissalTimeRange.Type == "relative":
			until = now.Add(now.Sub(from)) // a relative snooze counts forward from now
		default:
			until = to
		}
		if until.Sub(now) < time.Hour {
			WriteStatus(w, http.StatusBadRequest, "violates_minimum_alert_dismiss_duration_time", "")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if strings.TrimSpace(b.DismissalNote) == "" && !s.state.optionalDismissNote {
		WriteStatus(w, http.StatusBadRequest, "missing_required_parameter", "dismissalNote")
		return
	}
	alerts, missing := s.targets(b)
	if missing != "" {
		WriteStatus(w, http.StatusNotFound, "alert_no_longer_in_expected_state", missing)
		return
	}
	for _, a := range alerts {
		if a.Status != "open" {
			WriteStatus(w, http.StatusNotFound, "alert_no_longer_in_expected_state", a.ID)
			return
		}
	}
	for _, a := range alerts {
		a.Note, a.DismissedBy, a.LastUpdated = b.DismissalNote, s.AccessKey, now
		if until.IsZero() {
			a.Status, a.Reason = "dismissed", "USER_DISMISSED"
		} else {
			a.Status, a.Reason, a.Until = "snoozed", "USER_SNOOZED", until
		}
		a.History = append(a.History, map[string]string{"status": strings.ToUpper(a.Status), "reason": a.Reason})
	}
	s.state.statusChanges++
	w.WriteHeader(http.StatusOK)
}

func (s *Server) reopenAlerts(w http.ResponseWriter, r *http.Request) {
	b := s.readStatusChange(w, r)
	if b == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	alerts, missing := s.targets(b)
	if missing != "" {
		WriteStatus(w, http.StatusNotFound, "alert_no_longer_in_expected_state", missing)
		return
	}
	for _, a := range alerts {
		if a.Status != "dismissed" && a.Status != "snoozed" {
			WriteStatus(w, http.StatusNotFound, "alert_no_longer_in_expected_state", a.ID)
			return
		}
	}
	now := s.now()
	for _, a := range alerts {
		a.Status, a.Reason, a.Note, a.DismissedBy, a.Until, a.LastUpdated = "open", "USER_REOPENED", "", "", time.Time{}, now
		a.Time = now // alertTime: "last reopened"
		a.History = append(a.History, map[string]string{"status": "OPEN", "reason": "USER_REOPENED"})
	}
	s.state.statusChanges++
	w.WriteHeader(http.StatusOK)
}

func (s *Server) requireDismissalNote(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	required := !s.state.optionalDismissNote
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]bool{"requireDismissalNote": required})
}
