package pingone

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
)

// MFA devices (PingOne MFA: GET /users/{id}/devices, DELETE
// /users/{id}/devices/{deviceID}). The community SDK's MFA document
// declares them with untyped bodies; the fields follow PingOne's MFA
// Devices data model.

// MFADevice is one of a user's MFA devices.
type MFADevice struct {
	ID string `json:"id"`
	// Type is EMAIL, SMS, VOICE, TOTP, MOBILE, FIDO2, OATH_TOKEN, ...
	Type string `json:"type"`
	// Status is ACTIVE or ACTIVATION_REQUIRED.
	Status   string `json:"status"`
	Nickname string `json:"nickname,omitempty"`
	// Email is an EMAIL device's address, Phone an SMS or VOICE device's
	// number.
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
	// Model and OS describe a MOBILE device.
	Model struct {
		Name string `json:"name,omitempty"`
	} `json:"model"`
	OS struct {
		Type    string `json:"type,omitempty"`
		Version string `json:"version,omitempty"`
	} `json:"os"`
	CreatedAt *time.Time      `json:"createdAt,omitempty"`
	UpdatedAt *time.Time      `json:"updatedAt,omitempty"`
	Raw       json.RawMessage `json:"-"`
}

func (d *MFADevice) setRaw(b json.RawMessage) { d.Raw = b }

// ListDevices returns the user's MFA devices in PingOne's device order
// (the default device first).
func (c *Client) ListDevices(ctx context.Context, userID string) ([]MFADevice, error) {
	p, err := userPath(userID, "/devices")
	if err != nil {
		return nil, err
	}
	return listAll[MFADevice](ctx, c, "listDevices", "devices", c.endpoint(p, nil))
}

// DeleteDevice deletes one of the user's MFA devices. A device the user
// does not have is NotFound. It is re-sent only after a 429: the repeat of
// a delete that went through would be a 404, reporting a success as an
// unknown device.
func (c *Client) DeleteDevice(ctx context.Context, userID, deviceID string) error {
	p, err := userPath(userID, "/devices/")
	if err != nil {
		return err
	}
	did, err := pathSegment("device ID", deviceID)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, call{op: "deleteDevice", method: http.MethodDelete, url: c.endpoint(p+did, nil), retry: httpx.RetryRateLimited})
	return err
}
