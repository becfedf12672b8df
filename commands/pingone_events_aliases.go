package commands

import (
	"strconv"
	"strings"

	"github.com/idcmd/idcmd/events"
)

// PingOneSecurityEvents is the SOP's security event list, queried by
// pingone-get-security-events when the caller names none.
var PingOneSecurityEvents = events.PingOneSecurityEvents

// PingOneActionTypes expands SOP aliases and real action types into the
// sorted, de-duplicated list of real action types to query.
func PingOneActionTypes(names []string) []string { return events.PingOneActionTypes(names) }

// validPingOneEventTypes accepts SOP aliases and RESOURCE.VERB action types.
func validPingOneEventTypes(types []string) error {
	return validPingOneTypes("body.event_types", types)
}

// validPingOneTypes is validPingOneEventTypes for the argument at field.
func validPingOneTypes(field string, types []string) error {
	for i, t := range types {
		if _, ok := events.PingOneAliases[strings.ToUpper(t)]; ok {
			continue
		}
		resource, verb, ok := strings.Cut(t, ".")
		if !ok || !upperSnake(resource) || !upperSnake(verb) {
			return inputError("The arguments are invalid", field+"["+strconv.Itoa(i)+"]",
				"must be a PingOne action type such as USER.LOCKED or an SOP event name such as MFA_VERIFY_FAILED")
		}
	}
	return nil
}

func upperSnake(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range strings.ToUpper(s) {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}
