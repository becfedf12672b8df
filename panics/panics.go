// Package panics keeps a panic in one unit of background work (a delivery,
// one pass of a loop, a command run for an automated caller) from ending the
// process: Contain turns it into that unit's error. The stack goes to the
// log, at error level, for whoever fixes the bug; the error names the unit
// and the panic value only, so what a caller, an audit record or a queue row
// shows never carries a stack.
package panics

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"unicode/utf8"
)

// maxValue bounds the panic value in Error's text: a panic can carry a
// whole request body, and the unit's error ends up in stored rows.
const maxValue = 512

// Error is a panic recovered from a unit of work.
type Error struct {
	// Unit names the work that panicked ("delivery of wb_… to xsoar"), or
	// its kind when Name is set ("command").
	Unit string
	// Name, when set, follows Unit ("okta-suspend-user").
	Name string
	// Value is what was passed to panic.
	Value any
}

// Error is "panic in <unit>: <value>", the value cut to a bounded length.
func (e *Error) Error() string {
	v := fmt.Sprint(e.Value)
	if len(v) > maxValue {
		cut := maxValue
		for cut > 0 && !utf8.RuneStart(v[cut]) {
			cut--
		}
		v = v[:cut] + "…"
	}
	unit := e.Unit
	if e.Name != "" {
		unit += " " + e.Name
	}
	return "panic in " + unit + ": " + v
}

// Contain runs fn and returns its error. If fn panics, Contain recovers,
// logs the panic with its stack at error level, and returns an *Error
// naming unit. A nil log is slog.Default().
func Contain(log *slog.Logger, unit string, fn func() error) error {
	return ContainNamed(log, unit, "", fn)
}

// ContainNamed is Contain for a unit named by its kind and a name ("command",
// "okta-suspend-user"), for work run on every call: the two are joined only
// when fn panics, so the call pays nothing to name itself.
func ContainNamed(log *slog.Logger, unit, name string, fn func() error) (err error) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if log == nil {
			log = slog.Default()
		}
		pe := &Error{Unit: unit, Name: name, Value: v}
		log.Error("panic contained", "unit", strings.TrimSpace(unit+" "+name), "error", pe.Error(), "stack", string(debug.Stack()))
		err = pe
	}()
	return fn()
}

// Go runs fn in a new goroutine under Contain, for work that reports its
// own outcome: a panic in it is logged and the goroutine ends; the process
// goes on.
func Go(log *slog.Logger, unit string, fn func()) {
	go func() {
		_ = Contain(log, unit, func() error { fn(); return nil })
	}()
}
