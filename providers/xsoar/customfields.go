package xsoar

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// UpdateIncidentCustomFields sets custom fields of an incident (keys are
// machine names, see NewIncident.CustomFields) and leaves the others and
// everything else as they are. change is given the fields read and returns
// those to set, or nil to write nothing (the incident already says so).
//
// Like SetIncidentSeverity, it reads the incident and writes the object
// read back whole, with its version (POST /incident is a full replace
// under optimistic locking, reference §4.4); a version conflict is read
// and tried once more, then it is a Contended error with
// CodeVersionConflict.
func (c *Client) UpdateIncidentCustomFields(ctx context.Context, incidentID string, change func(current map[string]any) map[string]any) error {
	var err error
	for range 2 {
		if err = c.updateFieldsOnce(ctx, incidentID, change); !isVersionConflict(err) {
			return err
		}
	}
	ue := upstream.As(err)
	return &upstream.Error{
		Provider: provider, Kind: upstream.Contended, Status: ue.Status, Code: CodeVersionConflict,
		Message: "incident " + incidentID + " kept changing while its fields were set (DB version conflict twice); read it and try again",
		Causes:  ue.Causes,
	}
}

func (c *Client) updateFieldsOnce(ctx context.Context, incidentID string, change func(map[string]any) map[string]any) error {
	in, err := c.GetIncident(ctx, incidentID)
	if err != nil {
		return err
	}
	set := change(maps.Clone(in.CustomFields))
	if len(set) == 0 {
		return nil
	}
	for k := range set {
		if want := customFieldKey(k); k != want {
			return invalid(fmt.Sprintf("custom field %q: XSOAR keys are the display name in lower case without spaces, here %q", k, want))
		}
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(in.Raw, &body); err != nil {
		return decodeError("searchIncidents", err)
	}
	fields := map[string]any{}
	maps.Copy(fields, in.CustomFields)
	maps.Copy(fields, set)
	body["CustomFields"], _ = json.Marshal(fields)
	delete(body, "customFields") // one spelling, so XSOAR cannot prefer the stale one
	body["version"], _ = json.Marshal(in.Version)
	body["id"], _ = json.Marshal(in.ID)
	var updated struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, call{op: "createIncident", path: pathIncident, body: body, retry: httpx.RetryRateLimited}, &updated); err != nil {
		return err
	}
	if updated.ID != in.ID {
		return decodeError("createIncident", fmt.Errorf("updated incident %s, got %q back", in.ID, updated.ID))
	}
	return nil
}
