package xsoar

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// CodeVersionConflict is the upstream.Error Code SetIncidentSeverity
// returns when XSOAR kept answering "DB version conflict": someone else
// changed the incident between each read and write.
const CodeVersionConflict = "version_conflict"

// SetIncidentSeverity changes an incident's severity (one of the Severity
// constants) and nothing else.
//
// The swagger updates an incident with POST /incident carrying its id and
// the version read (optimistic locking, reference §4.4): "create or update
// incident according to JSON structure", with no word on fields left out,
// so the update is treated as a full replace. The incident is read, and
// the object read is sent back whole with only severity changed, so no
// field idcmd does not model is cleared. A stale version ("DB version
// conflict", someone wrote in between) is read and tried once more; a
// second conflict is a Contended error with CodeVersionConflict (a retry
// later can succeed, so the write-back queue tries again). An
// incident already at the severity is left alone, so a repeat is a no-op.
//
// Only a 429 is retried by the transport: a 5xx may come after XSOAR
// applied the write, and the version check would then refuse the repeat.
func (c *Client) SetIncidentSeverity(ctx context.Context, incidentID string, severity float64) error {
	switch severity {
	case SeverityUnknown, SeverityInfo, SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical:
	default:
		return invalid(fmt.Sprintf("severity %v is not on XSOAR's scale: 0 unknown, 0.5 info, 1 low, 2 medium, 3 high, 4 critical", severity))
	}
	var err error
	for range 2 {
		if err = c.setSeverityOnce(ctx, incidentID, severity); !isVersionConflict(err) {
			return err
		}
	}
	ue := upstream.As(err)
	return &upstream.Error{
		Provider: provider, Kind: upstream.Contended, Status: ue.Status, Code: CodeVersionConflict,
		Message: "incident " + incidentID + " kept changing while its severity was set (DB version conflict twice); read it and try again",
		Causes:  ue.Causes,
	}
}

// setSeverityOnce reads the incident and writes it back with the new
// severity and the version read.
func (c *Client) setSeverityOnce(ctx context.Context, incidentID string, severity float64) error {
	in, err := c.GetIncident(ctx, incidentID)
	if err != nil {
		return err
	}
	if in.Severity == severity {
		return nil
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(in.Raw, &body); err != nil {
		return decodeError("searchIncidents", err)
	}
	body["severity"], _ = json.Marshal(severity)
	body["version"], _ = json.Marshal(in.Version)
	body["id"], _ = json.Marshal(in.ID)
	var updated struct {
		ID      string `json:"id"`
		Version int64  `json:"version"`
	}
	if err := c.do(ctx, call{op: "createIncident", path: pathIncident, body: body, retry: httpx.RetryRateLimited}, &updated); err != nil {
		return err
	}
	if updated.ID != in.ID {
		return decodeError("createIncident", fmt.Errorf("updated incident %s, got %q back", in.ID, updated.ID))
	}
	return nil
}

// isVersionConflict reports whether err is XSOAR's stale-version refusal,
// whose only documented trait is its wording, "DB version conflict"
// (swagger info.description, reference §4.4); the status is undocumented.
func isVersionConflict(err error) bool {
	ue := upstream.As(err)
	if ue == nil || ue.Provider != provider || ue.Status < 400 {
		return false
	}
	for _, s := range append([]string{ue.Message}, ue.Causes...) {
		if strings.Contains(strings.ToLower(s), "version conflict") {
			return true
		}
	}
	return false
}
