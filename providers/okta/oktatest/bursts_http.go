package oktatest

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// fakePrefix is the fake's own namespace, outside Okta's API: controls a
// sandbox user drives with curl. It needs no token (the fake's API token
// guards Okta's API only).
const fakePrefix = "/_fake/"

// burstResponse is the answer to POST /_fake/bursts/{kind}.
type burstResponse struct {
	Kind  string   `json:"kind"`
	Count int      `json:"count"`
	UUIDs []string `json:"uuids"`
}

// problemBody is an RFC 9457 problem, for the fake's own endpoints.
type problemBody struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// serveFake serves the fake's own endpoints:
//
//	POST /_fake/bursts/{kind}   EmitBurst(kind) → 200 {kind, count, uuids}
func (s *Server) serveFake(w http.ResponseWriter, r *http.Request) {
	kind, ok := strings.CutPrefix(r.URL.Path, fakePrefix+"bursts/")
	if !ok || kind == "" || strings.Contains(kind, "/") {
		writeProblem(w, http.StatusNotFound, "no such fake endpoint; POST /_fake/bursts/{kind} with kind one of "+strings.Join(BurstKinds, ", "))
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeProblem(w, http.StatusMethodNotAllowed, "bursts are emitted with POST")
		return
	}
	evs, err := s.EmitBurst(kind)
	switch {
	case errors.Is(err, ErrUnknownBurst):
		writeProblem(w, http.StatusNotFound, "unknown burst kind "+kind+"; known: "+strings.Join(BurstKinds, ", "))
		return
	case err != nil:
		writeProblem(w, http.StatusConflict, err.Error())
		return
	}
	out := burstResponse{Kind: kind, Count: len(evs), UUIDs: make([]string, len(evs))}
	for i, ev := range evs {
		out.UUIDs[i] = ev.UUID
	}
	writeJSON(w, http.StatusOK, out)
}

func writeProblem(w http.ResponseWriter, status int, detail string) {
	b, _ := json.Marshal(problemBody{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail})
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
