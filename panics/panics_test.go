package panics_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/internal/logbuf"
	"github.com/idcmd/idcmd/panics"
)

func TestContainTurnsAPanicIntoTheUnitsError(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	err := panics.Contain(log, "delivery of wb_1 to xsoar", func() error {
		var m map[string]int
		m["x"] = 1 // a nil-map write: a runtime panic
		return nil
	})
	var pe *panics.Error
	if !errors.As(err, &pe) || pe.Unit != "delivery of wb_1 to xsoar" {
		t.Fatalf("Contain = %v, want a *panics.Error naming the unit", err)
	}
	if want := "panic in delivery of wb_1 to xsoar: assignment to entry in nil map"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	if strings.Contains(err.Error(), "goroutine") || strings.Contains(err.Error(), ".go:") {
		t.Errorf("the error carries a stack: %q", err)
	}
	var line struct {
		Level, Msg, Unit, Stack string
	}
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("log line: %v\n%s", err, logs.String())
	}
	if line.Level != "ERROR" || line.Msg != "panic contained" || line.Unit != "delivery of wb_1 to xsoar" ||
		!strings.Contains(line.Stack, "panics_test.go") {
		t.Errorf("log line = %+v, want an error naming the unit with the stack of the panic", line)
	}
}

func TestContainPassesErrorsThrough(t *testing.T) {
	want := errors.New("xsoar: HTTP 503")
	if err := panics.Contain(nil, "x", func() error { return want }); err != want {
		t.Errorf("Contain = %v, want fn's own error", err)
	}
	if err := panics.Contain(nil, "x", func() error { return nil }); err != nil {
		t.Errorf("Contain = %v, want nil", err)
	}
}

func TestErrorBoundsThePanicValue(t *testing.T) {
	err := panics.Contain(slog.New(slog.DiscardHandler), "u", func() error { panic(strings.Repeat("é", 10000)) })
	if n := len(err.Error()); n > 600 {
		t.Errorf("error of %d bytes, want it bounded", n)
	}
	if !strings.HasSuffix(err.Error(), "é…") {
		t.Errorf("error cut inside a character: %q", err.Error()[len(err.Error())-8:])
	}
}

func TestGoKeepsTheProcess(t *testing.T) {
	var logs logbuf.Buffer
	panics.Go(slog.New(slog.NewJSONHandler(&logs, nil)), "a fire-and-forget unit", func() { panic("boom") })
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), `"error":"panic in a fire-and-forget unit: boom"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no contained panic logged: %s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Reaching here, after the recovery was logged, means the panic did not
	// end the test binary.
}

func TestContainNamedJoinsKindAndName(t *testing.T) {
	var logs logbuf.Buffer
	err := panics.ContainNamed(slog.New(slog.NewJSONHandler(&logs, nil)), "command", "okta-suspend-user", func() error { panic("boom") })
	if want := "panic in command okta-suspend-user: boom"; err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
	if !strings.Contains(logs.String(), `"unit":"command okta-suspend-user"`) {
		t.Errorf("log does not name the unit: %s", logs.String())
	}
	if err := panics.ContainNamed(nil, "command", "x", func() error { return nil }); err != nil {
		t.Errorf("no panic, error %v", err)
	}
}
