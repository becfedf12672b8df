package commands

// PingOneGroupChange is the outcome of pingone-add-to-group and
// pingone-remove-from-group: the user, the group, and the user's
// membership of it before and after.
type PingOneGroupChange struct {
	PingOneUser
	// What was done: add_to_group or remove_from_group.
	Action    string `json:"Action" example:"add_to_group"`
	GroupID   string `json:"GroupID"`
	GroupName string `json:"GroupName" example:"Quarantine"`
	// The user's membership of the group before: DIRECT, INDIRECT (through a nested group) or NONE.
	MembershipBefore string `json:"MembershipBefore" example:"NONE"`
	// The membership after: DIRECT, INDIRECT or NONE.
	MembershipAfter string `json:"MembershipAfter" example:"DIRECT"`
}

// PingOneGroupMembers is a group and one page of its members (PingOne.Group).
type PingOneGroupMembers struct {
	ID          string `json:"ID"`
	Name        string `json:"Name"`
	Description string `json:"Description,omitempty"`
	// Members, DIRECT and through nested groups.
	Members []PingOneUser `json:"Member"`
}

// PingOneDevice is one MFA device.
type PingOneDevice struct {
	ID string `json:"ID"`
	// EMAIL, SMS, VOICE, TOTP, MOBILE, FIDO2, ...
	Type string `json:"Type" example:"SMS"`
	// ACTIVE or ACTIVATION_REQUIRED.
	Status   string `json:"Status" example:"ACTIVE"`
	Nickname string `json:"Nickname,omitempty"`
	// Where codes go: the e-mail address or phone number, for EMAIL, SMS and VOICE devices.
	Target string `json:"Target,omitempty"`
	// Model and OS of a MOBILE device.
	Model     string `json:"Model,omitempty"`
	OS        string `json:"OS,omitempty"`
	CreatedAt string `json:"CreatedAt,omitempty"`
}

// PingOneUserDevices merges a user's MFA devices into the user's context entry.
type PingOneUserDevices struct {
	ID       string          `json:"ID"`
	Username string          `json:"Username"`
	Devices  []PingOneDevice `json:"Device"`
}

// PingOneDeviceDeleted is the outcome of pingone-delete-device.
type PingOneDeviceDeleted struct {
	ID       string `json:"ID"`
	Username string `json:"Username"`
	// Always delete_device.
	Action string `json:"Action" example:"delete_device"`
	// The device deleted, as it was.
	DeletedDevice PingOneDevice `json:"DeletedDevice"`
	// The user's devices after the deletion.
	Devices []PingOneDevice `json:"Device"`
}

// PingOnePasswordSet is the outcome of pingone-set-password.
type PingOnePasswordSet struct {
	PingOneUserChange
	// The new password idcmd generated: a one-time secret, in this answer only (every stored copy has a marker instead). The user must change it at the next sign-on.
	TemporaryPassword string `json:"TemporaryPassword"`
	// Always true: the user must change the password at the next sign-on.
	ForceChange bool `json:"ForceChange"`
}
