package commands

import (
	"context"
	"strconv"
)

// GroupMembershipArgs name a user and a group at one of the providers.
type GroupMembershipArgs struct {
	IdentityUserArgs
	// Group ID, or the group's exact name, at the same provider.
	Group string `json:"group" validate:"required,max=255" example:"Quarantine"`
}

// AccountGroupChange is an account after a membership change, with the group
// and whether the membership changed, in one shape for both IdPs.
type AccountGroupChange struct {
	// The provider's user ID.
	ID string `json:"ID"`
	// Okta login or PingOne username.
	Username string `json:"Username"`
	// The provider's status (Okta ACTIVE, SUSPENDED, ...; PingOne ACTIVE, LOCKED, DISABLED).
	Status string `json:"Status" example:"ACTIVE"`
	// okta or pingone.
	Provider string `json:"Provider" example:"okta"`
	// add_to_group or remove_from_group.
	Action    string `json:"Action" example:"add_to_group"`
	GroupID   string `json:"GroupID"`
	GroupName string `json:"GroupName" example:"Quarantine"`
	// Whether the user was a member before the call (PingOne: directly or through a nested group).
	WasMember bool `json:"WasMember"`
	// Whether the user is a member after it.
	IsMember bool `json:"IsMember"`
	// Whether the membership changed. Okta accepts adding a member again (or removing a non-member) without a change; PingOne refuses both.
	Changed bool `json:"Changed"`
}

// oktaGroupAccount translates an Okta membership change.
func oktaGroupAccount(c OktaGroupMembershipChange) AccountGroupChange {
	return AccountGroupChange{ID: c.ID, Username: c.Username, Status: c.Status, Provider: string(Okta), Action: c.Action,
		GroupID: c.GroupID, GroupName: c.GroupName, WasMember: c.WasMember, IsMember: c.IsMember, Changed: c.Changed}
}

// pingOneGroupAccount translates a PingOne membership change: DIRECT or
// INDIRECT is a membership, NONE is none, and any change of kind (an
// INDIRECT member made DIRECT) is a change.
func pingOneGroupAccount(c PingOneGroupChange) AccountGroupChange {
	return AccountGroupChange{ID: c.ID, Username: c.Username, Status: c.Status, Provider: string(PingOne), Action: c.Action,
		GroupID: c.GroupID, GroupName: c.GroupName, WasMember: c.MembershipBefore != "NONE", IsMember: c.MembershipAfter != "NONE",
		Changed: c.MembershipBefore != c.MembershipAfter}
}

func groupChangeReply(title string, out AccountGroupChange, raw any) Reply[AccountGroupChange] {
	readable := table(title, []string{"Provider", "ID", "Username", "Group", "Group ID", "Was member", "Is member"},
		[][]string{{out.Provider, out.ID, out.Username, out.GroupName, out.GroupID, yesNo(out.WasMember), yesNo(out.IsMember)}})
	if !out.Changed {
		readable += "\nNothing changed: the membership was already as asked.\n"
	}
	return Reply[AccountGroupChange]{Outputs: out, Readable: readable, Raw: raw}
}

// membershipDelegation resolves a neutral membership change to the
// provider's command.
func membershipDelegation(p Providers, a GroupMembershipArgs, okta Spec[OktaGroupMembershipArgs, OktaGroupMembershipChange],
	pingOne Spec[PingOneGroupMembershipArgs, PingOneGroupChange], verb string) (Delegation[AccountGroupChange], error) {
	prov, err := p.pick(a.Provider)
	if err != nil {
		return Delegation[AccountGroupChange]{}, err
	}
	if prov == Okta {
		args := OktaGroupMembershipArgs{OktaUserArgs: OktaUserArgs{User: a.User}, Group: a.Group}
		return delegateTo(okta, args, func(r Reply[OktaGroupMembershipChange]) Reply[AccountGroupChange] {
			return groupChangeReply("Account "+verb+" "+strconv.Quote(r.Outputs.GroupName)+" (Okta)", oktaGroupAccount(r.Outputs), r.Raw)
		}), nil
	}
	args := PingOneGroupMembershipArgs{PingOneUserArgs: PingOneUserArgs{User: a.User}, Group: a.Group}
	return delegateTo(pingOne, args, func(r Reply[PingOneGroupChange]) Reply[AccountGroupChange] {
		return groupChangeReply("Account "+verb+" "+strconv.Quote(r.Outputs.GroupName)+" (PingOne)", pingOneGroupAccount(r.Outputs), r.Raw)
	}), nil
}

// AddToGroup adds a user to a group at either provider (a quarantine group).
var AddToGroup = Spec[GroupMembershipArgs, AccountGroupChange]{
	Name:        "add-to-group",
	Summary:     "Add a user to a group in Okta or PingOne (by group ID or name)",
	Description: "Add a user to a group: Okta runs okta-add-to-group (OKTA_GROUP groups only), PingOne pingone-add-to-group; approvals, audit and idempotency apply to that provider command, and adding to a privileged group waits for a second person (approvals.privileged_grants).",
	Provider:    Neutral,
	Context:     Context{Prefix: "Account", Key: "ID"},
	Risk:        Write,
	Delegate: func(_ context.Context, p Providers, a GroupMembershipArgs) (Delegation[AccountGroupChange], error) {
		return membershipDelegation(p, a, OktaAddToGroup, PingOneAddToGroup, "added to")
	},
}

// RemoveFromGroup removes a user from a group at either provider (a
// privileged group, during containment).
var RemoveFromGroup = Spec[GroupMembershipArgs, AccountGroupChange]{
	Name:        "remove-from-group",
	Summary:     "Remove a user from a group in Okta or PingOne (by group ID or name)",
	Description: "Remove a user from a group: Okta runs okta-remove-from-group, PingOne pingone-remove-from-group (direct memberships only: a membership through a nested group ends by leaving that group); approvals, audit and idempotency apply to that provider command.",
	Provider:    Neutral,
	Context:     Context{Prefix: "Account", Key: "ID"},
	Risk:        Write,
	Delegate: func(_ context.Context, p Providers, a GroupMembershipArgs) (Delegation[AccountGroupChange], error) {
		return membershipDelegation(p, a, OktaRemoveFromGroup, PingOneRemoveFromGroup, "removed from")
	},
}
