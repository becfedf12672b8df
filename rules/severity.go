package rules

import (
	"fmt"
	"strings"
)

// Severity is how bad an event is, on the SOPs' scale. The zero value is
// Info, the least.
type Severity int

// The scale, least first.
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name, without regard to case
// ("informational" is info).
func ParseSeverity(name string) (Severity, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "informational" {
		return Info, nil
	}
	for i, s := range severityNames {
		if s == n {
			return Severity(i), nil
		}
	}
	return Info, fmt.Errorf("%q is not a severity (info, low, medium, high, critical)", name)
}

// MarshalText writes the name, so JSON and YAML show "high", not 3.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// XSOAR is the severity on XSOAR's incident scale (reference §4.1: LOW 1
// … CRITICAL 4; info is 0.5).
func (s Severity) XSOAR() float64 {
	if s == Info {
		return 0.5
	}
	return float64(s)
}

// XDR is the severity insert_parsed_alerts takes (reference §4.6). XDR's
// parsed alerts have no Critical: a critical event is High, and its
// description says critical.
func (s Severity) XDR() string {
	switch s {
	case Info:
		return "Informational"
	case Low:
		return "Low"
	case Medium:
		return "Medium"
	default:
		return "High"
	}
}
