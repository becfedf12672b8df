package pingone

import (
	"encoding/json"
	"strings"
)

// scimString quotes s as a SCIM filter value. RFC 7644 §3.4.2.2 makes a
// filter's string value a JSON string, so JSON quoting is the escaping: a
// quote or backslash in a username cannot end the value early and turn
// the rest into filter syntax. HTML escaping is off, as a filter is no
// HTML.
func scimString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}
