package pingonetest

import (
	mrand "math/rand/v2"
	"strings"
	"time"
)

// The demo environment's containment group and MFA devices. They are
// seeded last, from their own generator, so that adding them left every
// other seeded ID and event as it was.

const (
	// GroupQuarantine is an empty environment group a responder adds a
	// suspect user to (sign-on policies deny its members).
	GroupQuarantine = "Quarantine"
	// GroupContractorOffboarding is a group of the Contractors
	// population: PingOne lets only that population's users join it.
	GroupContractorOffboarding = "Contractor Offboarding"
	// DemoRogueDeviceNickname names the SMS device an attacker enrolled on
	// DemoRiskyUser right after the Tor sign-in: the device a responder
	// deletes.
	DemoRogueDeviceNickname = "My new phone"
	// DemoRogueDevicePhone is that device's number.
	DemoRogueDevicePhone = "+447700900461"
)

func (sd *seeder) containmentAndDevices() {
	e := sd.e
	rng := mrand.New(mrand.NewPCG(0xd371ce, 0x5eed))
	created := sd.now.AddDate(-1, 0, 0)
	e.addGroupLocked(GroupSpec{ID: seededUUID(rng), Name: GroupQuarantine,
		Description: "Users under investigation; sign-on policies deny its members"}, created)
	e.addGroupLocked(GroupSpec{ID: seededUUID(rng), Name: GroupContractorOffboarding,
		Description: "Contractors whose access is being removed", Population: PopulationContractors}, created)

	// Every MFA user has the e-mail device PingOne enrolls by default.
	for _, u := range e.userOrder {
		if u.mfaEnabled {
			e.addDeviceLocked(u, DeviceSpec{Type: DeviceEmail, CreatedAt: u.createdAt.Add(24 * time.Hour)}, rng, sd.now)
		}
	}
	add := func(username string, spec DeviceSpec) {
		if u := e.byUsername[strings.ToLower(username)]; u != nil {
			e.addDeviceLocked(u, spec, rng, sd.now)
		}
	}
	add(DemoActiveUser, DeviceSpec{Type: DeviceMobile, Nickname: "John's iPhone", Model: "iPhone 15", OSType: "iOS", OSVersion: "17.5",
		CreatedAt: sd.now.AddDate(0, -8, 0)})
	add(DemoAdminUser, DeviceSpec{Type: DeviceFIDO2, Nickname: "YubiKey 5C", CreatedAt: sd.now.AddDate(-1, -2, 0)})
	add(DemoAdminUser, DeviceSpec{Type: DeviceMobile, Nickname: "Alice's Pixel", Model: "Pixel 8", OSType: "Android", OSVersion: "14",
		CreatedAt: sd.now.AddDate(0, -5, 0)})
	add(DemoRiskyUser, DeviceSpec{Type: DeviceFIDO2, Nickname: "Touch ID", CreatedAt: sd.now.AddDate(0, -10, 0)})
	add(DemoRiskyUser, DeviceSpec{Type: DeviceSMS, Nickname: DemoRogueDeviceNickname, Phone: DemoRogueDevicePhone,
		CreatedAt: sd.torTime().Add(6 * time.Minute)})
	add(DemoEscalatedUser, DeviceSpec{Type: DeviceTOTP, Nickname: "Authenticator", CreatedAt: sd.now.AddDate(0, 0, -2)})
	add(DemoHelpDeskUser, DeviceSpec{Type: DeviceVoice, Phone: "+12125550147", Status: DeviceActivationRequired,
		CreatedAt: sd.now.AddDate(0, 0, -1)})
}
