package commands

import "time"

// OktaGroupMembershipChange is the outcome of okta-add-to-group and
// okta-remove-from-group: the user, the group, and the membership before
// and after.
type OktaGroupMembershipChange struct {
	// Okta user ID.
	ID          string `json:"ID" example:"00ub0oNGTSWTBKOLGLNR"`
	Username    string `json:"Username" example:"jdoe@example.com"`
	DisplayName string `json:"DisplayName,omitempty"`
	Status      string `json:"Status" example:"ACTIVE"`
	// add_to_group or remove_from_group.
	Action    string `json:"Action" example:"add_to_group"`
	GroupID   string `json:"GroupID" example:"00g1emaKYZTWRYYRRTSK"`
	GroupName string `json:"GroupName" example:"Quarantine"`
	// OKTA_GROUP (the only type whose members the API can change).
	GroupType string `json:"GroupType" example:"OKTA_GROUP"`
	// Whether the user was a member before the call.
	WasMember bool `json:"WasMember"`
	// Whether the user is a member after it.
	IsMember bool `json:"IsMember"`
	// Whether the membership changed: false when the user already was (or
	// was not) a member, which Okta accepts without a change.
	Changed bool `json:"Changed"`
}

// OktaPushVerification is the outcome of okta-verify-push.
type OktaPushVerification struct {
	// Okta user ID.
	ID       string `json:"ID" example:"00ub0oNGTSWTBKOLGLNR"`
	Username string `json:"Username" example:"jdoe@example.com"`
	FactorID string `json:"FactorID" example:"opfh52xcuft3J4uZc0g3"`
	// The push device's name, as enrolled.
	Device string `json:"Device,omitempty" example:"iPhone 15 Pro"`
	// accepted, rejected, or timed_out.
	Outcome string `json:"Outcome" example:"accepted" enums:"accepted,rejected,timed_out"`
	// Okta's last factorResult: SUCCESS, REJECTED, TIMEOUT, or WAITING when idcmd stopped waiting first.
	FactorResult string `json:"FactorResult" example:"SUCCESS"`
	// Who gave up when Outcome is timed_out: okta (the push expired unanswered) or idcmd (wait_seconds ended first; the push may still be answered on the phone).
	TimedOutBy string `json:"TimedOutBy,omitempty" example:"okta" enums:"okta,idcmd"`
	// When Okta said the push expires.
	ExpiresAt *time.Time `json:"ExpiresAt,omitempty"`
	// Seconds idcmd waited for the answer.
	WaitedSeconds float64 `json:"WaitedSeconds" example:"4.1"`
	// How many times idcmd polled the transaction.
	Polls int `json:"Polls" example:"3"`
}

// OktaFactorReset is the outcome of okta-reset-factor: the factor removed,
// and every factor Okta removed with it.
type OktaFactorReset struct {
	// Okta user ID.
	ID       string `json:"ID" example:"00ub0oNGTSWTBKOLGLNR"`
	Username string `json:"Username" example:"jdoe@example.com"`
	Action   string `json:"Action" example:"reset_factor"`
	// The factor asked to be removed.
	Factor OktaFactor `json:"ResetFactor"`
	// Every factor gone after the call: the one asked for and, for Okta Verify push, the other Okta Verify factors Okta removes with it.
	Removed []OktaFactor `json:"RemovedFactor"`
	// The factors the user still has.
	Remaining []OktaFactor `json:"Factor"`
}

// OktaActivation is the outcome of okta-activate-user and
// okta-reactivate-user.
type OktaActivation struct {
	OktaUserChange
	// Whether Okta e-mailed the activation link to the user.
	EmailSent bool `json:"EmailSent"`
	// One-time activation link, returned only when send_email is false. It is a credential: idcmd returns it once to the caller and stores no copy.
	ActivationURL string `json:"ActivationURL,omitempty"`
	// One-time activation token (the secret part of ActivationURL), only when send_email is false.
	ActivationToken string `json:"ActivationToken,omitempty"`
}

// OktaPasswordExpired is the outcome of okta-expire-password.
type OktaPasswordExpired struct {
	OktaUserChange
	// One-time temporary password, only with temp_password true. It is a credential: idcmd returns it once to the caller and stores no copy.
	TempPassword string `json:"TempPassword,omitempty"`
	// Whether the user's sessions were ended too (temp_password with revoke_sessions).
	SessionsRevoked bool `json:"SessionsRevoked"`
}
