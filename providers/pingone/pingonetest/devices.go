package pingonetest

import (
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"
)

// MFA devices (PingOne MFA, /users/{id}/devices). The MFA document of the
// community SDK declares these operations with untyped bodies, so their
// shape follows PingOne's MFA Devices data model: id, environment, user,
// type, status, nickname, createdAt, updatedAt, and the type's own
// attribute (email, phone, model and os). PingOne lists a user's devices
// in device order, the default device first.

// Device types and statuses.
const (
	DeviceEmail  = "EMAIL"
	DeviceSMS    = "SMS"
	DeviceVoice  = "VOICE"
	DeviceTOTP   = "TOTP"
	DeviceMobile = "MOBILE"
	DeviceFIDO2  = "FIDO2"

	DeviceActive             = "ACTIVE"
	DeviceActivationRequired = "ACTIVATION_REQUIRED"
)

// mfaDevice is one MFA device of a user.
type mfaDevice struct {
	id, typ, status, nickname string
	email, phone              string // EMAIL; SMS and VOICE
	model, osType, osVersion  string // MOBILE
	createdAt, updatedAt      time.Time
}

// DeviceSpec describes a device for Env.AddDevice.
type DeviceSpec struct {
	// ID is the device ID; a fresh UUID is generated when empty.
	ID string
	// Type is DeviceEmail, DeviceSMS, DeviceVoice, DeviceTOTP,
	// DeviceMobile or DeviceFIDO2.
	Type string
	// Status is DeviceActive (default) or DeviceActivationRequired.
	Status   string
	Nickname string
	// Email is an EMAIL device's address (the user's e-mail if empty);
	// Phone an SMS or VOICE device's number.
	Email, Phone string
	// Model, OSType and OSVersion describe a MOBILE device.
	Model, OSType, OSVersion string
	// CreatedAt is when the device was added; now if zero.
	CreatedAt time.Time
}

// DeviceState is what a test can read back about a device.
type DeviceState struct {
	ID, Type, Status, Nickname string
}

// AddDevice adds an MFA device to a user and returns its ID.
func (e *Env) AddDevice(idOrUsername string, spec DeviceSpec) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.resolveLocked(idOrUsername)
	if u == nil {
		return "", fmt.Errorf("pingonetest: no user %q", idOrUsername)
	}
	return e.addDeviceLocked(u, spec, e.rng, e.now()).id, nil
}

func (e *Env) addDeviceLocked(u *user, spec DeviceSpec, rng *mrand.Rand, now time.Time) *mfaDevice {
	d := &mfaDevice{
		id: spec.ID, typ: spec.Type, status: spec.Status, nickname: spec.Nickname,
		email: spec.Email, phone: spec.Phone, model: spec.Model, osType: spec.OSType, osVersion: spec.OSVersion,
		createdAt: spec.CreatedAt,
	}
	if d.id == "" {
		d.id = seededUUID(rng)
	}
	if d.status == "" {
		d.status = DeviceActive
	}
	if d.typ == DeviceEmail && d.email == "" {
		d.email = u.email
	}
	if d.createdAt.IsZero() {
		d.createdAt = now
	}
	d.updatedAt = d.createdAt
	u.devices = append(u.devices, d)
	return d
}

// Devices returns the user's MFA devices in device order.
func (e *Env) Devices(idOrUsername string) []DeviceState {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.resolveLocked(idOrUsername)
	if u == nil {
		return nil
	}
	out := make([]DeviceState, 0, len(u.devices))
	for _, d := range u.devices {
		out = append(out, DeviceState{ID: d.id, Type: d.typ, Status: d.status, Nickname: d.nickname})
	}
	return out
}

// mfaDeviceJSON is the wire shape of one MFA device.
type mfaDeviceJSON struct {
	Links       links         `json:"_links"`
	ID          string        `json:"id"`
	Environment idRef         `json:"environment"`
	User        idRef         `json:"user"`
	Type        string        `json:"type"`
	Status      string        `json:"status"`
	Nickname    string        `json:"nickname,omitempty"`
	Email       string        `json:"email,omitempty"`
	Phone       string        `json:"phone,omitempty"`
	Model       *mfaModelJSON `json:"model,omitempty"`
	OS          *mfaOSJSON    `json:"os,omitempty"`
	CreatedAt   string        `json:"createdAt"`
	UpdatedAt   string        `json:"updatedAt"`
}

// mfaModelJSON is a MOBILE device's model.
type mfaModelJSON struct {
	Name string `json:"name"`
}

// mfaOSJSON is a MOBILE device's operating system.
type mfaOSJSON struct {
	Type    string `json:"type"`
	Version string `json:"version,omitempty"`
}

func (s *Server) renderDevice(r *http.Request, u *user, d *mfaDevice) mfaDeviceJSON {
	self := "/users/" + u.id + "/devices/" + d.id
	j := mfaDeviceJSON{
		Links: links{
			"self":            {Href: s.envURL(r, self)},
			"user":            {Href: s.envURL(r, "/users/"+u.id)},
			"environment":     {Href: s.baseURL(r) + "/v1/environments/" + s.EnvironmentID},
			"device.nickname": {Href: s.envURL(r, self+"/nickname")},
		},
		ID: d.id, Environment: idRef{ID: s.EnvironmentID}, User: idRef{ID: u.id},
		Type: d.typ, Status: d.status, Nickname: d.nickname, Email: d.email, Phone: d.phone,
		CreatedAt: formatTime(d.createdAt), UpdatedAt: formatTime(d.updatedAt),
	}
	if d.status == DeviceActivationRequired {
		// An inactive device links to its activation (POST with
		// application/vnd.pingidentity.device.activate+json).
		j.Links["device.activate"] = link{Href: s.envURL(r, self)}
	}
	if d.model != "" {
		j.Model = &mfaModelJSON{Name: d.model}
	}
	if d.osType != "" {
		j.OS = &mfaOSJSON{Type: d.osType, Version: d.osVersion}
	}
	return j
}

// listDevices serves GET /users/{id}/devices.
func (s *Server) listDevices(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	e := s.env
	e.mu.RLock()
	u := e.users[c.id]
	if u == nil {
		e.mu.RUnlock()
		return errNotFound()
	}
	items := make([]mfaDeviceJSON, 0, len(u.devices))
	for _, d := range u.devices {
		items = append(items, s.renderDevice(r, u, d))
	}
	e.mu.RUnlock()
	return pageSlice(s, w, r, "devices", "devices:"+c.id, items)
}

// getDevice serves GET /users/{id}/devices/{deviceID}.
func (s *Server) getDevice(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	e := s.env
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.users[c.id]
	if u == nil {
		return errNotFound()
	}
	for _, d := range u.devices {
		if d.id == c.sub {
			writeJSON(w, http.StatusOK, s.renderDevice(r, u, d))
			return nil
		}
	}
	return errNotFound()
}

// deleteDevice serves DELETE /users/{id}/devices/{deviceID}: 204, or 404
// NOT_FOUND for a device this user does not have (another user's device
// included). It is audited as DEVICE.DELETED.
func (s *Server) deleteDevice(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	e := s.env
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.users[c.id]
	if u == nil {
		return errNotFound()
	}
	i := slices.IndexFunc(u.devices, func(d *mfaDevice) bool { return d.id == c.sub })
	if i < 0 {
		return errNotFound()
	}
	d := u.devices[i]
	u.devices = slices.Delete(u.devices, i, i+1)
	name := strings.TrimSpace(d.typ + " " + d.nickname)
	s.recordAPIActivityLocked(r, c, "DEVICE.DELETED", "Deleted MFA device "+name, u, ActivityResource{Type: "DEVICE", ID: d.id, Name: name})
	w.WriteHeader(http.StatusNoContent)
	return nil
}
