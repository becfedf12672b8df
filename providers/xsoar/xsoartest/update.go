package xsoartest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"time"
)

// updateRequest is the part of CreateIncidentRequest an update carries:
// the id and version of the incident, and its new content.
type updateRequest struct {
	createRequest
	Version *int64 `json:"version"`
}

// errVersionConflict is the refusal of a write with a stale version. The
// swagger names it a "DB version conflict" (info.description, reference
// §4.4) and documents neither status nor body; the fake answers 400 with
// those words in the server error's detail, and the versions in its error.
func errVersionConflict(id string, sent, current int64) *apiError {
	return &apiError{
		status: http.StatusBadRequest, id: "bad_request", title: "Bad request", detail: "DB version conflict",
		cause: fmt.Sprintf("[DB version conflict [incident %s]] (sent version %d, current version %d)", id, sent, current),
	}
}

// updateIncident serves POST /incident with an id: the swagger's "create or
// update incident according to JSON structure". The fake reads that
// strictly, as a full replace of what a client may set: name, type,
// severity, details, labels, custom fields, rawJSON, occurred and playbook
// take the request's values, and one left out is cleared, so a client that
// sends a partial incident loses data here as it may in XSOAR. The id,
// the investigation, status, creation and closing times stay the server's.
//
// Optimistic locking (swagger info.description): the version must be the
// incident's current one, or -1 to force the write; anything else,
// including none, is a DB version conflict and changes nothing. A write
// bumps the version. An unknown id is 404.
func (s *Server) updateIncident(body []byte, now time.Time) (any, *apiError) {
	var req updateRequest
	if e := decodeBody(body, &req); e != nil {
		return nil, e
	}
	switch {
	case req.Severity < SeverityUnknown || req.Severity > SeverityCritical:
		return nil, errBadRequest(fmt.Sprintf("severity %v is out of range 0-4", req.Severity))
	case req.RawJSON != "" && !json.Valid([]byte(req.RawJSON)):
		return nil, errBadRequest("rawJSON is not valid JSON")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.lookup(req.ID)
	if in == nil || in.ID != req.ID {
		return nil, errNotFound("Incident " + req.ID + " not found")
	}
	sent := int64(0)
	if req.Version != nil {
		sent = *req.Version
	}
	if sent != -1 && sent != in.Version {
		return nil, errVersionConflict(in.ID, sent, in.Version)
	}
	var custom map[string]any
	if len(req.CustomFields)+len(req.CustomFieldsLower) > 0 {
		custom = map[string]any{}
		maps.Copy(custom, req.CustomFields)
		maps.Copy(custom, req.CustomFieldsLower)
	}
	in.Name, in.Type = req.Name, cmp.Or(req.Type, defaultType)
	in.Severity, in.Details = req.Severity, req.Details
	in.Labels, in.CustomFields = req.Labels, custom
	in.RawJSON, in.PlaybookID = req.RawJSON, req.PlaybookID
	in.Occurred = time.Time{}
	if req.Occurred != nil {
		in.Occurred = req.Occurred.UTC()
	}
	in.Modified = now.UTC()
	in.Version++
	return in.wire(), nil
}
