package commands

// Builtin is every command idcmd offers. It is the only global state:
// MustCatalog checks each declaration when the package loads.
var Builtin = MustCatalog(
	OktaGetUser,
	OktaSearchUsers,
	OktaGetUserGroups,
	OktaGetUserApps,
	OktaGetUserFactors,
	OktaGetLogs,
	OktaGetUserEvents,
	OktaGetSecurityEvents,
	OktaSuspendUser,
	OktaUnsuspendUser,
	OktaUnlockUser,
	OktaDeactivateUser,
	OktaResetPassword,
	OktaExpirePassword,
	OktaClearSessions,
	OktaResetFactors,
)
