package oktatest

import (
	"net/http"
	"strings"
	"sync"
)

// routeFaults are failures injected on one operation only (a method and a
// path suffix), so a test can fail the third call of a workflow without
// counting the calls before it.
type routeFaults struct {
	mu     sync.Mutex
	faults []routeFault
}

type routeFault struct {
	method, suffix string
	status, left   int
}

// InjectStatusAt makes the next n API calls of method on a path ending in
// suffix (DELETE "/sessions") answer status with an Okta error body, as
// InjectStatus does for any call. Other calls are not affected.
func (s *Server) InjectStatusAt(method, suffix string, n, status int) {
	if n <= 0 {
		return
	}
	s.routeFaults.mu.Lock()
	defer s.routeFaults.mu.Unlock()
	s.routeFaults.faults = append(s.routeFaults.faults, routeFault{method: method, suffix: suffix, status: status, left: n})
}

// injectedStatus is the failure this request answers with, 0 for none:
// one injected on its operation first, then the queue of InjectStatus.
func (s *Server) injectedStatus(r *http.Request) int {
	rf := &s.routeFaults
	rf.mu.Lock()
	for i := range rf.faults {
		f := &rf.faults[i]
		if f.method == r.Method && strings.HasSuffix(r.URL.Path, f.suffix) {
			status := f.status
			if f.left--; f.left == 0 {
				rf.faults = append(rf.faults[:i], rf.faults[i+1:]...)
			}
			rf.mu.Unlock()
			return status
		}
	}
	rf.mu.Unlock()
	return s.inject.Next()
}
