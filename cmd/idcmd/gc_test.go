package main

import (
	"runtime/debug"
	"testing"
)

// TestTuneGC: without GOGC, serve runs the collector at serveGCPercent; a
// GOGC the operator set (a number, or off) is left as the runtime applied it.
func TestTuneGC(t *testing.T) {
	const operators = 150
	before := debug.SetGCPercent(operators)
	defer debug.SetGCPercent(before)

	for _, v := range []string{"150", "off"} {
		if tuneGC(func(k string) string {
			if k == "GOGC" {
				return v
			}
			return ""
		}) {
			t.Errorf("GOGC=%s: tuneGC changed the collector's target", v)
		}
		if got := debug.SetGCPercent(operators); got != operators {
			t.Errorf("GOGC=%s: GC percent = %d, want the operator's %d kept", v, got, operators)
		}
	}
	if !tuneGC(func(string) string { return "" }) {
		t.Error("GOGC unset: tuneGC changed nothing")
	}
	if got := debug.SetGCPercent(operators); got != serveGCPercent {
		t.Errorf("GOGC unset: GC percent = %d, want %d", got, serveGCPercent)
	}
}
