package commands

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/prisma"
	"github.com/idcmd/idcmd/providers/upstream"
)

// Identity alerts are the alerts of Prisma's IAM policies (policy.type
// iam). Prisma raises them itself from its policies (nothing outside can
// create one: the SOPs' create_alert does not exist); idcmd lists them
// and dismisses, snoozes or reopens them. An IAM alert's resource is the
// identity it is about, so one user's alerts are those whose
// resource.name is the user's e-mail.

// PrismaAlert is an alert as it lands in XSOAR context (PrismaCloud.Alert).
type PrismaAlert struct {
	// Prisma alert ID.
	ID string `json:"ID" example:"I-1001"`
	// open, dismissed, snoozed, resolved or pending_resolution.
	Status string `json:"Status" example:"open"`
	// Why the alert has its status (NEW_ALERT, USER_DISMISSED, RESOURCE_UPDATED ...).
	Reason string `json:"Reason,omitempty" example:"NEW_ALERT"`
	// When the alert was raised or last reopened.
	AlertTime  *time.Time `json:"AlertTime,omitempty"`
	PolicyID   string     `json:"PolicyID" example:"5a4c2e10-0b1f-4c39-8a5e-0b6f3a1d9e01"`
	PolicyName string     `json:"PolicyName" example:"Okta user with AdministratorAccess in AWS"`
	// iam for identity alerts.
	PolicyType string `json:"PolicyType" example:"iam"`
	// low, medium, high (critical and informational on newer tenants).
	Severity string `json:"Severity" example:"high"`
	// The resource: for an IAM alert the identity, e.g. the Okta user's e-mail.
	Resource     string `json:"Resource" example:"awong@example.com"`
	ResourceType string `json:"ResourceType,omitempty" example:"Okta user"`
	// Cloud account name and ID the alert is in.
	Account   string `json:"Account,omitempty" example:"aws-prod"`
	AccountID string `json:"AccountID,omitempty" example:"123456789012"`
	// The dismissal or snooze note.
	DismissalNote string `json:"DismissalNote,omitempty"`
	DismissedBy   string `json:"DismissedBy,omitempty"`
	// When a snoozed alert opens again.
	SnoozedUntil *time.Time `json:"SnoozedUntil,omitempty"`
}

func prismaAlert(a *prisma.Alert) PrismaAlert {
	out := PrismaAlert{ID: a.ID, Status: a.Status, Reason: a.Reason, PolicyID: a.Policy.PolicyID, PolicyName: a.Policy.Name,
		PolicyType: a.Policy.PolicyType, Severity: a.Policy.Severity, Resource: a.Resource.Name, ResourceType: a.Resource.ResourceType,
		Account: a.Resource.Account, AccountID: a.Resource.AccountID, DismissalNote: a.DismissalNote, DismissedBy: a.DismissedBy}
	if out.PolicyID == "" {
		out.PolicyID = a.PolicyID
	}
	if t := a.Time(); !t.IsZero() {
		out.AlertTime = &t
	}
	if t := a.SnoozedUntil(); !t.IsZero() && a.Status == "snoozed" {
		out.SnoozedUntil = &t
	}
	return out
}

var alertHeaders = []string{"ID", "Status", "Severity", "Policy", "Identity", "Account", "Alert time", "Note"}

func alertRow(a PrismaAlert) []string {
	note := a.DismissalNote
	if a.SnoozedUntil != nil {
		note = strings.TrimSpace(note + " (until " + stamp(a.SnoozedUntil) + ")")
	}
	return []string{a.ID, a.Status, a.Severity, a.PolicyName, a.Resource, a.Account, stamp(a.AlertTime), note}
}

func alertsReply(alerts []prisma.Alert, title string, next string) Reply[[]PrismaAlert] {
	out := make([]PrismaAlert, 0, len(alerts))
	rows := make([][]string, 0, len(alerts))
	for i := range alerts {
		a := prismaAlert(&alerts[i])
		out = append(out, a)
		rows = append(rows, alertRow(a))
	}
	return Reply[[]PrismaAlert]{Outputs: out, NextCursor: next, Readable: table(title, alertHeaders, rows),
		Raw: rawList(alerts, func(a prisma.Alert) []byte { return a.Raw })}
}

const (
	// defaultAlertHours is the window prisma-list-identity-alerts looks
	// back by default: 30 days. An identity alert stays open as long as
	// the access does, and its alert time is when it was raised, so a
	// week (XSOAR's default) misses standing admin access.
	defaultAlertHours = 24 * 30
	maxAlertHours     = 24 * 365
	defaultAlertLimit = 50
)

// PrismaListIdentityAlertsArgs select identity alerts.
type PrismaListIdentityAlertsArgs struct {
	// Only this user's alerts: the e-mail Prisma knows the Okta user by (jdoe@example.com), or an Okta user ID or login resolved to its e-mail through Okta.
	User string `json:"user,omitempty" validate:"omitempty,max=255" example:"awong@example.com"`
	// open (default), dismissed, snoozed, resolved, or all.
	Status string `json:"status,omitempty" validate:"omitempty,oneof=open dismissed snoozed resolved all" enums:"open,dismissed,snoozed,resolved,all" default:"open" example:"open"`
	// How far back to look, by alert time (1-8760; default 720, 30 days).
	Hours int `json:"hours,omitempty" validate:"omitempty,min=1,max=8760" default:"720" example:"720"`
	// Only the alerts of the policy with this exact name.
	Policy string `json:"policy,omitempty" validate:"omitempty,max=255" example:"Okta user with AdministratorAccess in AWS"`
	// Maximum alerts to return (1-1000).
	Limit int `json:"limit,omitempty" validate:"omitempty,min=1,max=1000" default:"50" example:"50"`
	// next_cursor of a previous call with the same other arguments (limit may differ); next_cursor is set only when more remain.
	Cursor string `json:"cursor,omitempty" validate:"omitempty,max=16384"`
}

// alertStatuses are the statuses status all stands for.
var alertStatuses = []string{"open", "dismissed", "snoozed", "resolved", "pending_resolution"}

// PrismaListIdentityAlerts lists the alerts of Prisma's IAM policies.
var PrismaListIdentityAlerts = Spec[PrismaListIdentityAlertsArgs, []PrismaAlert]{
	Name:    "prisma-list-identity-alerts",
	Summary: "List Prisma Cloud identity (IAM policy) alerts, for one user or all",
	Description: "Lists the alerts of Prisma Cloud's IAM policies (POST /v2/alert, policy.type = iam), newest first: " +
		"by user (resource.name, the identity the alert is about), status, policy name and time window.",
	Provider: Prisma,
	Context:  Context{Prefix: "PrismaCloud.Alert", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a PrismaListIdentityAlertsArgs) (Reply[[]PrismaAlert], error) {
		c, err := p.prismaClient()
		if err != nil {
			return Reply[[]PrismaAlert]{}, err
		}
		scope := scopeOf("prisma-list-identity-alerts", a)
		if err := p.checkCursor(scope, a.Cursor, 1); err != nil {
			return Reply[[]PrismaAlert]{}, err
		}
		identity, err := p.alertIdentity(ctx, a.User)
		if err != nil {
			return Reply[[]PrismaAlert]{}, err
		}
		q := prisma.AlertQuery{TimeRange: prisma.LastHours(orDefault(a.Hours, defaultAlertHours)),
			Filters: []prisma.AlertFilter{{Name: prisma.FilterPolicyType, Value: "iam"}}}
		status := a.Status
		if status == "" {
			status = "open"
		}
		statuses := []string{status}
		if status == "all" {
			statuses = alertStatuses
		}
		for _, s := range statuses {
			q.Filters = append(q.Filters, prisma.AlertFilter{Name: prisma.FilterAlertStatus, Value: s})
		}
		if a.Policy != "" {
			q.Filters = append(q.Filters, prisma.AlertFilter{Name: prisma.FilterPolicyName, Value: a.Policy})
		}
		if identity != "" {
			q.Filters = append(q.Filters, prisma.AlertFilter{Name: prisma.FilterResourceName, Value: identity})
		}
		limit := orDefault(a.Limit, defaultAlertLimit)
		alerts, next, err := readPaged(ctx, p, pagedQuery[prisma.Alert]{
			scope: scope, cursor: a.Cursor, limit: limit,
			fetch: func(ctx context.Context, ref string) ([]prisma.Alert, string, error) {
				pq := q
				pq.Limit = min(limit+1, prisma.MaxAlertLimit)
				tok, err := prismaPageToken(ref)
				if err != nil {
					return nil, "", err
				}
				pq.PageToken = tok
				page, err := c.ListAlerts(ctx, pq)
				if err != nil {
					return nil, "", err
				}
				return page.Items, prismaPageRef(page.NextPageToken), nil
			},
			first: prismaStart,
		}, keepAll)
		if err != nil {
			return Reply[[]PrismaAlert]{}, err
		}
		what := status + " identity alerts"
		if identity != "" {
			what += " of " + identity
		}
		return alertsReply(alerts, pageTitle(len(alerts), what, next), next), nil
	},
}

// alertIdentity is the identity Prisma names user's alerts by: an e-mail
// as given, else the Okta user's e-mail.
func (p Providers) alertIdentity(ctx context.Context, user string) (string, error) {
	if user == "" || strings.Contains(user, "@") {
		return user, nil
	}
	if p.Okta == nil {
		return "", inputError("The arguments are invalid", "body.user",
			"give the user's e-mail (Prisma names an identity alert's user by it); without Okta configured idcmd cannot look "+user+" up")
	}
	_, u, err := resolveOktaUser(ctx, p, user)
	if err != nil {
		return "", userLookupError(err, "is not an Okta user idcmd can resolve to an e-mail")
	}
	if u.Profile.Email != "" {
		return u.Profile.Email, nil
	}
	return u.Profile.Login, nil
}

// alertID is the form of a Prisma alert ID (P-123, I-123, N-123, A-123 ...).
var alertID = regexp.MustCompile(`^[A-Z]{1,3}-[0-9]{1,20}$`)

// checkAlertIDs checks the form of alert IDs and refuses repeats.
func checkAlertIDs(ids []string) error {
	seen := map[string]bool{}
	for i, id := range ids {
		if !alertID.MatchString(id) {
			return inputError("The arguments are invalid", "body.alert_ids["+strconv.Itoa(i)+"]", "is not a Prisma alert ID (like I-1001 or P-123456)")
		}
		if seen[id] {
			return inputError("The arguments are invalid", "body.alert_ids["+strconv.Itoa(i)+"]", "names "+id+" twice")
		}
		seen[id] = true
	}
	return nil
}

// PrismaDismissAlertArgs dismiss alerts.
type PrismaDismissAlertArgs struct {
	// Prisma alert IDs (1-50), e.g. I-1001.
	AlertIDs []string `json:"alert_ids" validate:"required,min=1,max=50,dive,required,max=32" example:"I-1001"`
	// Why the alerts are dismissed; Prisma keeps it with the alert (dismissalNote).
	Note string `json:"note" validate:"required,max=1000" example:"Access approved in CHG-1042"`
}

// Validate checks the alert IDs.
func (a *PrismaDismissAlertArgs) Validate() error { return checkAlertIDs(a.AlertIDs) }

// PrismaSnoozeAlertArgs snooze alerts.
type PrismaSnoozeAlertArgs struct {
	// Prisma alert IDs (1-50), e.g. I-1001.
	AlertIDs []string `json:"alert_ids" validate:"required,min=1,max=50,dive,required,max=32" example:"I-1001"`
	// Why the alerts are snoozed; Prisma keeps it with the alert.
	Note string `json:"note" validate:"required,max=1000" example:"Owner on leave until Friday"`
	// How long to snooze, in hours (1-8760): Prisma reopens the alerts then.
	Hours int `json:"hours" validate:"required,min=1,max=8760" example:"72"`
}

// Validate checks the alert IDs.
func (a *PrismaSnoozeAlertArgs) Validate() error { return checkAlertIDs(a.AlertIDs) }

// PrismaReopenAlertArgs reopen alerts.
type PrismaReopenAlertArgs struct {
	// Prisma alert IDs (1-50), e.g. I-1001.
	AlertIDs []string `json:"alert_ids" validate:"required,min=1,max=50,dive,required,max=32" example:"I-1001"`
}

// Validate checks the alert IDs.
func (a *PrismaReopenAlertArgs) Validate() error { return checkAlertIDs(a.AlertIDs) }

// changeAlerts reads the alerts, checks that each exists and is in one
// of from (so the caller learns which alert and why, before anything
// changes), applies change and answers the alerts as they are after it.
func changeAlerts(ctx context.Context, p Providers, ids []string, from []string, verb string,
	change func(context.Context, *prisma.Client) error) (Reply[[]PrismaAlert], error) {
	c, err := p.prismaClient()
	if err != nil {
		return Reply[[]PrismaAlert]{}, err
	}
	before, err := c.GetAlerts(ctx, ids)
	if err != nil {
		return Reply[[]PrismaAlert]{}, err
	}
	for i, id := range ids {
		j := slices.IndexFunc(before, func(a prisma.Alert) bool { return a.ID == id })
		loc := "body.alert_ids[" + strconv.Itoa(i) + "]"
		if j < 0 {
			return Reply[[]PrismaAlert]{}, unknownArgument(Prisma, loc, "names no alert Prisma Cloud has", "no alert "+id)
		}
		if !slices.Contains(from, before[j].Status) {
			return Reply[[]PrismaAlert]{}, stateError(loc, id+" is "+before[j].Status+"; only "+strings.Join(from, " or ")+" alerts can be "+verb)
		}
	}
	if err := change(ctx, c); err != nil {
		return Reply[[]PrismaAlert]{}, err
	}
	after, err := c.GetAlerts(ctx, ids)
	if err != nil {
		return Reply[[]PrismaAlert]{}, err
	}
	return alertsReply(after, strconv.Itoa(len(after))+" Prisma Cloud alerts "+verb, ""), nil
}

// PrismaDismissAlert dismisses open alerts with a note.
var PrismaDismissAlert = Spec[PrismaDismissAlertArgs, []PrismaAlert]{
	Name:     "prisma-dismiss-alert",
	Summary:  "Dismiss open Prisma Cloud alerts with a note",
	Provider: Prisma,
	Context:  Context{Prefix: "PrismaCloud.Alert", Key: "ID"},
	Risk:     Write,
	Run: func(ctx context.Context, p Providers, a PrismaDismissAlertArgs) (Reply[[]PrismaAlert], error) {
		return changeAlerts(ctx, p, a.AlertIDs, []string{"open"}, "dismissed", func(ctx context.Context, c *prisma.Client) error {
			return c.DismissAlerts(ctx, a.AlertIDs, a.Note)
		})
	},
}

// PrismaSnoozeAlert snoozes open alerts for some hours.
var PrismaSnoozeAlert = Spec[PrismaSnoozeAlertArgs, []PrismaAlert]{
	Name:     "prisma-snooze-alert",
	Summary:  "Snooze open Prisma Cloud alerts for some hours, with a note",
	Provider: Prisma,
	Context:  Context{Prefix: "PrismaCloud.Alert", Key: "ID"},
	Risk:     Write,
	Run: func(ctx context.Context, p Providers, a PrismaSnoozeAlertArgs) (Reply[[]PrismaAlert], error) {
		return changeAlerts(ctx, p, a.AlertIDs, []string{"open"}, "snoozed", func(ctx context.Context, c *prisma.Client) error {
			return c.SnoozeAlerts(ctx, a.AlertIDs, a.Note, a.Hours)
		})
	},
}

// PrismaReopenAlert reopens dismissed or snoozed alerts: the undo of the
// two above.
var PrismaReopenAlert = Spec[PrismaReopenAlertArgs, []PrismaAlert]{
	Name:     "prisma-reopen-alert",
	Summary:  "Reopen dismissed or snoozed Prisma Cloud alerts",
	Provider: Prisma,
	Context:  Context{Prefix: "PrismaCloud.Alert", Key: "ID"},
	Risk:     Write,
	Run: func(ctx context.Context, p Providers, a PrismaReopenAlertArgs) (Reply[[]PrismaAlert], error) {
		return changeAlerts(ctx, p, a.AlertIDs, []string{"dismissed", "snoozed"}, "reopened", func(ctx context.Context, c *prisma.Client) error {
			return c.ReopenAlerts(ctx, a.AlertIDs)
		})
	},
}

// stateError is a 409 naming the argument: the alert is not in a state
// the change applies to.
func stateError(location, message string) error {
	return argumentError(location, message, &upstream.Error{Provider: string(Prisma), Kind: upstream.Conflict, Message: message})
}
