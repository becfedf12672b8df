package commands

import (
	"time"
)

// window turns the shared since / hours arguments into a time range ending
// now. since wins when both are given (Validate methods forbid that anyway);
// with neither, the range is the last defaultHours hours.
func window(now time.Time, since string, hours, defaultHours int) time.Time {
	if since != "" {
		// The validate tag already checked the format.
		if t, err := time.Parse(time.RFC3339, since); err == nil {
			return t
		}
	}
	if hours <= 0 {
		hours = defaultHours
	}
	return now.Add(-time.Duration(hours) * time.Hour)
}

// parseTime reads an already-validated RFC 3339 argument; "" is the zero time.
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339, s)
	return t
}
