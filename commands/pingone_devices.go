package commands

import (
	"context"
	"strings"

	"github.com/idcmd/idcmd/providers/pingone"
	"github.com/idcmd/idcmd/providers/upstream"
)

func pingOneDevice(d pingone.MFADevice) PingOneDevice {
	o := PingOneDevice{ID: d.ID, Type: d.Type, Status: d.Status, Nickname: d.Nickname,
		Target: d.Email + d.Phone, Model: d.Model.Name, OS: strings.TrimSpace(d.OS.Type + " " + d.OS.Version)}
	if d.CreatedAt != nil {
		o.CreatedAt = stamp(d.CreatedAt)
	}
	return o
}

func pingOneDeviceRows(ds []PingOneDevice) [][]string {
	rows := make([][]string, 0, len(ds))
	for _, d := range ds {
		rows = append(rows, []string{d.ID, d.Type, d.Status, d.Nickname, d.Target, strings.TrimSpace(d.Model + " " + d.OS), d.CreatedAt})
	}
	return rows
}

var pingOneDeviceHeaders = []string{"ID", "Type", "Status", "Nickname", "Target", "Model / OS", "Created"}

func pingOneDevices(ds []pingone.MFADevice) []PingOneDevice {
	out := make([]PingOneDevice, 0, len(ds))
	for _, d := range ds {
		out = append(out, pingOneDevice(d))
	}
	return out
}

// PingOneGetUserDevices lists a user's MFA devices, the default first.
var PingOneGetUserDevices = Spec[PingOneUserArgs, PingOneUserDevices]{
	Name:     "pingone-get-user-devices",
	Summary:  "List a PingOne user's MFA devices",
	Provider: PingOne,
	Context:  Context{Prefix: "PingOne.User", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a PingOneUserArgs) (Reply[PingOneUserDevices], error) {
		c, u, err := resolvePingOneUser(ctx, p, a.User)
		if err != nil {
			return Reply[PingOneUserDevices]{}, err
		}
		ds, err := c.ListDevices(ctx, u.ID)
		if err != nil {
			return Reply[PingOneUserDevices]{}, err
		}
		out := PingOneUserDevices{ID: u.ID, Username: u.Username, Devices: pingOneDevices(ds)}
		return Reply[PingOneUserDevices]{Outputs: out,
			Readable: table("MFA devices of "+u.Username, pingOneDeviceHeaders, pingOneDeviceRows(out.Devices)),
			Raw:      rawList(ds, func(d pingone.MFADevice) []byte { return d.Raw })}, nil
	},
}

// PingOneDeleteDeviceArgs name a user and one of their MFA devices.
type PingOneDeleteDeviceArgs struct {
	PingOneUserArgs
	// The MFA device's ID (pingone-get-user-devices lists them).
	Device string `json:"device" validate:"required,max=64" example:"9b1c2d3e-4f50-4a6b-8c7d-0e1f2a3b4c5d"`
}

// PingOneDeleteDevice deletes one of a user's MFA devices (one an attacker enrolled, say).
var PingOneDeleteDevice = Spec[PingOneDeleteDeviceArgs, PingOneDeviceDeleted]{
	Name:        "pingone-delete-device",
	Summary:     "Delete one of a PingOne user's MFA devices",
	Description: "DELETE /users/{id}/devices/{deviceId}. A device the user does not have is a 404 naming body.device. The user must enroll the device again to use it.",
	Provider:    PingOne,
	Context:     Context{Prefix: "PingOne.User", Key: "ID"},
	Risk:        Write,
	Run: func(ctx context.Context, p Providers, a PingOneDeleteDeviceArgs) (Reply[PingOneDeviceDeleted], error) {
		c, u, err := resolvePingOneUser(ctx, p, a.User)
		if err != nil {
			return Reply[PingOneDeviceDeleted]{}, err
		}
		before, err := c.ListDevices(ctx, u.ID)
		if err != nil {
			return Reply[PingOneDeviceDeleted]{}, err
		}
		const unknown = "the user has no MFA device with this ID; pingone-get-user-devices lists them"
		var target *pingone.MFADevice
		for i := range before {
			if strings.EqualFold(before[i].ID, a.Device) {
				target = &before[i]
			}
		}
		if target == nil {
			return Reply[PingOneDeviceDeleted]{}, unknownArgument(PingOne, "body.device", unknown, "user "+u.Username+" has no MFA device "+a.Device)
		}
		if err := c.DeleteDevice(ctx, u.ID, target.ID); err != nil {
			if upstream.IsKind(err, upstream.NotFound) {
				err = argumentError("body.device", unknown, err)
			}
			return Reply[PingOneDeviceDeleted]{}, err
		}
		after, err := c.ListDevices(ctx, u.ID)
		if err != nil {
			return Reply[PingOneDeviceDeleted]{}, err
		}
		out := PingOneDeviceDeleted{ID: u.ID, Username: u.Username, Action: "delete_device", DeletedDevice: pingOneDevice(*target), Devices: pingOneDevices(after)}
		readable := table("MFA device deleted from "+u.Username, pingOneDeviceHeaders, pingOneDeviceRows([]PingOneDevice{out.DeletedDevice})) +
			"\n" + table("Remaining MFA devices", pingOneDeviceHeaders, pingOneDeviceRows(out.Devices))
		return Reply[PingOneDeviceDeleted]{Outputs: out, Readable: readable, Raw: rawJSON(target.Raw)}, nil
	},
}
