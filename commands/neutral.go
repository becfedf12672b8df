package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/providers/okta"
)

// Provider-neutral commands: one shape for both IdPs, so a playbook written
// once works for either. Each runs the provider's own command (its Run) and
// translates the result; no provider logic lives here.

// Account is a user in XSOAR's standard Account context, for either IdP.
type Account struct {
	// The provider's user ID.
	ID string `json:"ID"`
	// Okta login or PingOne username.
	Username    string `json:"Username"`
	Email       string `json:"Email,omitempty"`
	DisplayName string `json:"DisplayName,omitempty"`
	// The provider's status: Okta's lifecycle status (ACTIVE, SUSPENDED, LOCKED_OUT, ...) or PingOne's ACTIVE, LOCKED, DISABLED.
	Status string `json:"Status" example:"ACTIVE"`
	// Whether the user can sign in now (Okta ACTIVE or PASSWORD_EXPIRED; PingOne canAuthenticate).
	CanSignIn bool `json:"CanSignIn"`
	// okta or pingone.
	Provider   string     `json:"Provider" example:"okta"`
	LastSignIn *time.Time `json:"LastSignIn,omitempty"`
	// On state-changing commands: what was done and the status before.
	Action         string `json:"Action,omitempty"`
	PreviousStatus string `json:"PreviousStatus,omitempty"`
}

// AccountGroup is one group of an account.
type AccountGroup struct {
	ID   string `json:"ID"`
	Name string `json:"Name"`
	// Okta group type (OKTA_GROUP, APP_GROUP, BUILT_IN) or PingOne membership (DIRECT, INDIRECT).
	Type string `json:"Type"`
}

// AccountGroups merges an account's groups into its Account entry.
type AccountGroups struct {
	ID       string         `json:"ID"`
	Username string         `json:"Username"`
	Provider string         `json:"Provider"`
	Groups   []AccountGroup `json:"Group"`
}

// IdentityEvent is one sign-in, lockout or change, in one shape for both IdPs.
type IdentityEvent struct {
	// The provider's event ID (Okta uuid, PingOne activity id).
	ID   string    `json:"ID"`
	Time time.Time `json:"Time"`
	// The provider's event type (user.session.start, USER.LOCKED, ...).
	Type string `json:"Type" example:"user.session.start"`
	// SUCCESS, FAILURE, DENY, FAILED, ...
	Outcome   string `json:"Outcome" example:"FAILURE"`
	Reason    string `json:"Reason,omitempty"`
	Actor     string `json:"Actor,omitempty"`
	ActorID   string `json:"ActorID,omitempty"`
	Target    string `json:"Target,omitempty"`
	TargetID  string `json:"TargetID,omitempty"`
	IP        string `json:"IP,omitempty"`
	Location  string `json:"Location,omitempty"`
	UserAgent string `json:"UserAgent,omitempty"`
	// okta or pingone.
	Provider string `json:"Provider"`
	// Raw is the provider's event exactly as it sent it. It goes into the
	// answer's raw_response only: in context it would add every vendor
	// field as an undeclared leaf (sixty or so per event).
	Raw json.RawMessage `json:"-"`
}

// IdentityUserArgs name a user at one of the providers.
type IdentityUserArgs struct {
	// Identity provider holding the user; optional when only one is configured.
	Provider string `json:"provider,omitempty" validate:"omitempty,oneof=okta pingone" example:"okta"`
	// User ID, or Okta login / PingOne username.
	User string `json:"user" validate:"required,max=255" example:"jdoe@example.com"`
}

// pick resolves the provider argument against what is configured.
func (p Providers) pick(provider string) (Provider, error) {
	switch provider {
	case string(Okta):
		if p.Okta == nil {
			return "", fmt.Errorf("%w: okta", ErrProviderNotConfigured)
		}
		return Okta, nil
	case string(PingOne):
		if p.PingOne == nil {
			return "", fmt.Errorf("%w: pingone", ErrProviderNotConfigured)
		}
		return PingOne, nil
	}
	switch {
	case p.Okta != nil && p.PingOne != nil:
		return "", inputError("The arguments are invalid", "body.provider", "is required when both okta and pingone are configured")
	case p.Okta != nil:
		return Okta, nil
	case p.PingOne != nil:
		return PingOne, nil
	}
	return "", fmt.Errorf("%w: no identity provider", ErrProviderNotConfigured)
}

// checkArgs applies a provider argument struct's own cross-field rules, as
// the Invoker would if the provider command had been called directly.
func checkArgs(args any) error {
	if sv, ok := args.(selfValidator); ok {
		return sv.Validate()
	}
	return nil
}

func accountFromOkta(u OktaUser) Account {
	return Account{ID: u.ID, Username: u.Username, Email: u.Email, DisplayName: u.DisplayName, Status: u.Status,
		CanSignIn: u.Status == "ACTIVE" || u.Status == "PASSWORD_EXPIRED", Provider: string(Okta), LastSignIn: u.LastLogin}
}

func accountFromPingOne(u PingOneUser) Account {
	return Account{ID: u.ID, Username: u.Username, Email: u.Email, DisplayName: u.DisplayName, Status: u.Status,
		CanSignIn: u.CanAuthenticate, Provider: string(PingOne), LastSignIn: u.LastSignOn}
}

var accountHeaders = []string{"Provider", "ID", "Username", "Display name", "Status", "Can sign in"}

func accountRow(a Account) []string {
	return []string{a.Provider, a.ID, a.Username, a.DisplayName, a.Status, yesNo(a.CanSignIn)}
}

// neutralReply wraps a translated account with the provider's raw answer.
func accountReply(title string, a Account, raw any) Reply[Account] {
	headers, row := accountHeaders, accountRow(a)
	if a.Action != "" {
		headers = append(append([]string{}, headers...), "Previous status", "Action")
		row = append(row, a.PreviousStatus, a.Action)
	}
	return Reply[Account]{Outputs: a, Readable: table(title, headers, [][]string{row}), Raw: raw}
}

// GetUser reads a user at either provider.
var GetUser = Spec[IdentityUserArgs, Account]{
	Name:     "get-user",
	Summary:  "Get a user from Okta or PingOne as an XSOAR Account",
	Provider: Neutral,
	Context:  Context{Prefix: "Account", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a IdentityUserArgs) (Reply[Account], error) {
		prov, err := p.pick(a.Provider)
		if err != nil {
			return Reply[Account]{}, err
		}
		if prov == Okta {
			r, err := OktaGetUser.Run(ctx, p, OktaUserArgs{User: a.User})
			if err != nil {
				return Reply[Account]{}, err
			}
			return accountReply("Account "+r.Outputs.Username, accountFromOkta(r.Outputs), r.Raw), nil
		}
		r, err := PingOneGetUser.Run(ctx, p, PingOneUserArgs{User: a.User})
		if err != nil {
			return Reply[Account]{}, err
		}
		return accountReply("Account "+r.Outputs.Username, accountFromPingOne(r.Outputs), r.Raw), nil
	},
}

// GetUserGroups lists a user's groups at either provider.
var GetUserGroups = Spec[IdentityUserArgs, AccountGroups]{
	Name:     "get-user-groups",
	Summary:  "List a user's groups in Okta or PingOne",
	Provider: Neutral,
	Context:  Context{Prefix: "Account", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a IdentityUserArgs) (Reply[AccountGroups], error) {
		prov, err := p.pick(a.Provider)
		if err != nil {
			return Reply[AccountGroups]{}, err
		}
		var out AccountGroups
		var raw any
		if prov == Okta {
			r, err := OktaGetUserGroups.Run(ctx, p, OktaUserArgs{User: a.User})
			if err != nil {
				return Reply[AccountGroups]{}, err
			}
			out = AccountGroups{ID: r.Outputs.ID, Username: r.Outputs.Username, Provider: string(Okta)}
			for _, g := range r.Outputs.Groups {
				out.Groups = append(out.Groups, AccountGroup{ID: g.ID, Name: g.Name, Type: g.Type})
			}
			raw = r.Raw
		} else {
			r, err := PingOneGetUserGroups.Run(ctx, p, PingOneUserArgs{User: a.User})
			if err != nil {
				return Reply[AccountGroups]{}, err
			}
			out = AccountGroups{ID: r.Outputs.ID, Username: r.Outputs.Username, Provider: string(PingOne)}
			for _, g := range r.Outputs.Groups {
				out.Groups = append(out.Groups, AccountGroup{ID: g.ID, Name: g.Name, Type: g.MembershipType})
			}
			raw = r.Raw
		}
		if out.Groups == nil {
			out.Groups = []AccountGroup{}
		}
		rows := make([][]string, 0, len(out.Groups))
		for _, g := range out.Groups {
			rows = append(rows, []string{g.ID, g.Name, g.Type})
		}
		return Reply[AccountGroups]{Outputs: out, Readable: table("Groups of "+out.Username+" ("+out.Provider+")", []string{"ID", "Name", "Type"}, rows), Raw: raw}, nil
	},
}

// LockUser stops a user from signing in: Okta suspend, PingOne lock.
var LockUser = Spec[IdentityUserArgs, Account]{
	Name:        "lock-user",
	Summary:     "Stop a user signing in (Okta: suspend; PingOne: lock)",
	Description: "Stop a user signing in: Okta suspends the user (ACTIVE users only), PingOne locks the account. Approvals, audit and idempotency apply to the provider command it runs (okta-suspend-user or pingone-lock-user).",
	Provider:    Neutral,
	Context:     Context{Prefix: "Account", Key: "ID"},
	Risk:        Write,
	Delegate: func(_ context.Context, p Providers, a IdentityUserArgs) (Delegation[Account], error) {
		prov, err := p.pick(a.Provider)
		if err != nil {
			return Delegation[Account]{}, err
		}
		if prov == Okta {
			return delegateTo(OktaSuspendUser, OktaUserArgs{User: a.User}, func(r Reply[OktaUserChange]) Reply[Account] {
				return accountReply("Account locked (Okta: suspended)", oktaChangeAccount(r.Outputs), r.Raw)
			}), nil
		}
		return delegateTo(PingOneLockUser, PingOneLockUserArgs{PingOneUserArgs: PingOneUserArgs{User: a.User}}, func(r Reply[PingOneUserChange]) Reply[Account] {
			return accountReply("Account locked (PingOne)", pingOneChangeAccount(r.Outputs), r.Raw)
		}), nil
	},
}

// UnlockUser undoes lock-user, and clears a lockout from failed sign-ins.
var UnlockUser = Spec[IdentityUserArgs, Account]{
	Name:        "unlock-user",
	Summary:     "Let a user sign in again (Okta: unsuspend or unlock; PingOne: unlock)",
	Description: "Let a user sign in again: Okta unsuspends a SUSPENDED user and unlocks a LOCKED_OUT one (idcmd reads the user's status to pick the command); PingOne unlocks the account. Approvals, audit and idempotency apply to the provider command it runs.",
	Provider:    Neutral,
	Context:     Context{Prefix: "Account", Key: "ID"},
	Risk:        Write,
	Delegate: func(ctx context.Context, p Providers, a IdentityUserArgs) (Delegation[Account], error) {
		prov, err := p.pick(a.Provider)
		if err != nil {
			return Delegation[Account]{}, err
		}
		if prov == PingOne {
			return delegateTo(PingOneUnlockUser, PingOneUserArgs{User: a.User}, func(r Reply[PingOneUserChange]) Reply[Account] {
				return accountReply("Account unlocked (PingOne)", pingOneChangeAccount(r.Outputs), r.Raw)
			}), nil
		}
		// Okta has two ways back in, and which one applies depends on the
		// user's status: a read, so resolving changes nothing.
		_, cur, err := resolveOktaUser(ctx, p, a.User)
		if err != nil {
			return Delegation[Account]{}, err
		}
		cmd := OktaUnlockUser
		if cur.Status == "SUSPENDED" {
			cmd = OktaUnsuspendUser
		}
		return delegateTo(cmd, OktaUserArgs{User: cur.ID}, func(r Reply[OktaUserChange]) Reply[Account] {
			return accountReply("Account unlocked (Okta: "+r.Outputs.Action+")", oktaChangeAccount(r.Outputs), r.Raw)
		}), nil
	},
}

// ClearSessionsArgs are the arguments of clear-sessions.
type ClearSessionsArgs struct {
	IdentityUserArgs
	// Okta only: also revoke OAuth/OIDC tokens.
	OAuthTokens bool `json:"oauth_tokens,omitempty" default:"false"`
}

// ClearSessions ends every session of a user at either provider.
var ClearSessions = Spec[ClearSessionsArgs, Account]{
	Name:        "clear-sessions",
	Summary:     "End all of a user's sessions in Okta or PingOne",
	Description: "End all of a user's sessions: Okta runs okta-clear-sessions, PingOne pingone-terminate-sessions; approvals, audit and idempotency apply to that provider command.",
	Provider:    Neutral,
	Context:     Context{Prefix: "Account", Key: "ID"},
	Risk:        Write,
	Delegate: func(_ context.Context, p Providers, a ClearSessionsArgs) (Delegation[Account], error) {
		prov, err := p.pick(a.Provider)
		if err != nil {
			return Delegation[Account]{}, err
		}
		if prov == Okta {
			args := OktaClearSessionsArgs{OktaUserArgs: OktaUserArgs{User: a.User}, OAuthTokens: a.OAuthTokens}
			return delegateTo(OktaClearSessions, args, func(r Reply[OktaSessionsCleared]) Reply[Account] {
				return accountReply("Sessions cleared (Okta)", oktaChangeAccount(r.Outputs.OktaUserChange), r.Raw)
			}), nil
		}
		if a.OAuthTokens {
			return Delegation[Account]{}, inputError("The arguments are invalid", "body.oauth_tokens", "applies to Okta only")
		}
		return delegateTo(PingOneTerminateSessions, PingOneUserArgs{User: a.User}, func(r Reply[PingOneSessionsTerminated]) Reply[Account] {
			title := "Sessions cleared (PingOne: " + strconv.Itoa(r.Outputs.Terminated) + " ended"
			if r.Outputs.Failed > 0 {
				title += ", " + strconv.Itoa(r.Outputs.Failed) + " FAILED"
			}
			return accountReply(title+")", pingOneChangeAccount(r.Outputs.PingOneUserChange), r.Raw)
		}), nil
	},
}

// ResetPasswordArgs are the arguments of reset-password.
type ResetPasswordArgs struct {
	IdentityUserArgs
	// Send the user an e-mail (Okta: reset link; PingOne: recovery code); default true. When false, Okta returns a one-time link to the caller and PingOne forces a change at next sign-on.
	SendEmail *bool `json:"send_email,omitempty" default:"true"`
}

// ResetPassword resets a user's password at either provider.
var ResetPassword = Spec[ResetPasswordArgs, Account]{
	Name:        "reset-password",
	Summary:     "Reset a user's password in Okta or PingOne",
	Description: "Reset a user's password: Okta runs okta-reset-password, PingOne pingone-reset-password; approvals, audit and idempotency apply to that provider command.",
	Provider:    Neutral,
	Context:     Context{Prefix: "Account", Key: "ID"},
	Risk:        Write,
	Delegate: func(_ context.Context, p Providers, a ResetPasswordArgs) (Delegation[Account], error) {
		prov, err := p.pick(a.Provider)
		if err != nil {
			return Delegation[Account]{}, err
		}
		if prov == Okta {
			args := OktaResetPasswordArgs{OktaUserArgs: OktaUserArgs{User: a.User}, SendEmail: a.SendEmail}
			return delegateTo(OktaResetPassword, args, func(r Reply[OktaPasswordReset]) Reply[Account] {
				reply := accountReply("Password reset (Okta)", oktaChangeAccount(r.Outputs.OktaUserChange), r.Raw)
				// The neutral Account has no field for a one-time link; it
				// travels in raw_response so it is not lost.
				if r.Outputs.ResetPasswordURL != "" {
					reply.Raw = map[string]any{"user": r.Raw, "resetPasswordUrl": r.Outputs.ResetPasswordURL}
				}
				return reply
			}), nil
		}
		args := PingOneResetPasswordArgs{PingOneUserArgs: PingOneUserArgs{User: a.User}, SendEmail: a.SendEmail}
		return delegateTo(PingOneResetPassword, args, func(r Reply[PingOnePasswordReset]) Reply[Account] {
			return accountReply("Password reset (PingOne)", pingOneChangeAccount(r.Outputs.PingOneUserChange), r.Raw)
		}), nil
	},
}

func oktaChangeAccount(c OktaUserChange) Account {
	acct := accountFromOkta(c.OktaUser)
	acct.Action, acct.PreviousStatus = c.Action, c.PreviousStatus
	return acct
}

func pingOneChangeAccount(c PingOneUserChange) Account {
	acct := accountFromPingOne(c.PingOneUser)
	acct.Action, acct.PreviousStatus = c.Action, c.PreviousStatus
	return acct
}

// UserEventsArgs select events around a user at either provider.
type UserEventsArgs struct {
	IdentityUserArgs
	// Look back this many hours (1-336); default 24.
	Hours int `json:"hours,omitempty" validate:"omitempty,min=1,max=336" default:"24"`
	// Start of the range (RFC 3339) instead of hours.
	Since string `json:"since,omitempty" validate:"omitempty,datetime=2006-01-02T15:04:05Z07:00" format:"date-time"`
	// Only these event types, in the provider's names (Okta user.session.start; PingOne USER.LOCKED or SOP names such as MFA_VERIFY_FAILED).
	EventTypes []string `json:"event_types,omitempty" validate:"omitempty,max=20,dive,min=1,max=128"`
	// Maximum events to return (1-1000), read across as many provider pages as it takes.
	Limit int `json:"limit,omitempty" validate:"omitempty,min=1,max=1000" default:"100"`
	// next_cursor of a previous call with the same other arguments (limit may differ); next_cursor is set only when more remain.
	Cursor string `json:"cursor,omitempty" validate:"omitempty,max=16384"`
}

// GetUserEvents reads a user's recent events in one shape for both IdPs.
var GetUserEvents = Spec[UserEventsArgs, []IdentityEvent]{
	Name:     "get-user-events",
	Summary:  "Get a user's recent events from Okta or PingOne in one shape",
	Provider: Neutral,
	Context:  Context{Prefix: "Identity.Event", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a UserEventsArgs) (Reply[[]IdentityEvent], error) {
		prov, err := p.pick(a.Provider)
		if err != nil {
			return Reply[[]IdentityEvent]{}, err
		}
		var events []IdentityEvent
		var next string
		// Cursors are bound to get-user-events and its own arguments.
		scope := scopeOf("get-user-events", a)
		if prov == Okta {
			args := OktaUserEventsArgs{OktaUserArgs: OktaUserArgs{User: a.User}, Hours: a.Hours, Since: a.Since, EventTypes: a.EventTypes, Limit: a.Limit, Cursor: a.Cursor}
			if err := checkArgs(&args); err != nil {
				return Reply[[]IdentityEvent]{}, err
			}
			r, err := oktaUserEvents(ctx, p, args, scope)
			if err != nil {
				return Reply[[]IdentityEvent]{}, err
			}
			next = r.NextCursor
			for _, e := range r.Outputs {
				events = append(events, eventFromOkta(e))
			}
		} else {
			args := PingOneUserEventsArgs{PingOneUserArgs: PingOneUserArgs{User: a.User}, Hours: a.Hours, Since: a.Since, EventTypes: a.EventTypes, Limit: a.Limit, Cursor: a.Cursor}
			if err := checkArgs(&args); err != nil {
				return Reply[[]IdentityEvent]{}, err
			}
			r, err := pingOneUserEvents(ctx, p, args, scope)
			if err != nil {
				return Reply[[]IdentityEvent]{}, err
			}
			next = r.NextCursor
			raws := r.Raw.(map[string]any)["activities"].([]any)
			for i, e := range r.Outputs {
				events = append(events, eventFromPingOne(e, raws[i]))
			}
		}
		if events == nil {
			events = []IdentityEvent{}
		}
		rows := make([][]string, 0, len(events))
		for _, e := range events {
			rows = append(rows, []string{e.Time.UTC().Format(time.RFC3339), e.Type, e.Outcome, e.Actor, e.Target, e.IP, e.Location})
		}
		raws := make([]any, 0, len(events))
		for _, e := range events {
			raws = append(raws, rawJSON(e.Raw))
		}
		return Reply[[]IdentityEvent]{Outputs: events, Raw: raws, NextCursor: next,
			Readable: table(pageTitle(len(events), string(prov)+" events of "+a.User, next), []string{"Time", "Type", "Outcome", "Actor", "Target", "IP", "Location"}, rows)}, nil
	},
}

// eventFromOkta is the one normalization of package events, cut to the
// Identity.Event outputs.
func eventFromOkta(e okta.LogEvent) IdentityEvent {
	ev := events.FromOktaEvent(e)
	return IdentityEvent{ID: ev.ID, Time: ev.Time, Type: ev.Type, Outcome: ev.Outcome, Reason: ev.Reason,
		Actor: ev.Actor, ActorID: ev.ActorID, Target: ev.Target, TargetID: ev.TargetID, IP: ev.IP, Location: ev.Location,
		UserAgent: ev.UserAgent, Provider: ev.Provider, Raw: ev.Raw}
}

func eventFromPingOne(e PingOneEvent, raw any) IdentityEvent {
	out := IdentityEvent{ID: e.ID, Time: e.Time, Type: e.Type, Outcome: e.Result, Reason: e.ResultDetail, Actor: e.ActorName,
		ActorID: e.ActorUserID, Target: e.Target, TargetID: e.TargetID, IP: e.IP, UserAgent: e.UserAgent, Provider: string(PingOne)}
	if r, ok := raw.(rawJSON); ok {
		out.Raw = json.RawMessage(r)
	}
	return out
}
