package main

import "runtime/debug"

// serveGCPercent is the garbage collector's target for idcmd serve when
// GOGC is not set: the heap may grow to three times what is live between
// collections, not twice. idcmd's live heap is a few MB, so at the default
// a collection runs every couple of hundred calls under load, each paying
// its fixed cost (every goroutine's stack scanned, assists, write barriers
// on); halving their number costs a few MB under load. The gain is small:
// BenchmarkProcess with IDCMD_BENCH_GOGC=100 (the same build at Go's
// default) measured idcmd's CPU per call within its noise of this
// setting's (254 and 252 µs against 251 and 230 µs, two runs each).
const serveGCPercent = 200

// tuneGC sets serveGCPercent unless the operator set GOGC, whose value
// (a percentage, or off) the runtime has already applied and which wins.
// It reports whether it changed the setting.
func tuneGC(getenv func(string) string) bool {
	if getenv("GOGC") != "" {
		return false
	}
	debug.SetGCPercent(serveGCPercent)
	return true
}
