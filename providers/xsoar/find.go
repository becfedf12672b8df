package xsoar

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/idcmd/idcmd/providers/httpx"
)

// maxLabelMatches bounds FindIncidentsByLabel: a label meant to name one
// incident (idcmd's event label) has one or two matches, never pages.
const maxLabelMatches = 50

// labelSearch is /incidents/search with a query, the swagger's
// IncidentFilter.query (reference §4.3).
type labelSearch struct {
	Filter labelFilter `json:"filter"`
}

type labelFilter struct {
	Query string `json:"query"`
	Page  int    `json:"page"`
	Size  int    `json:"size"`
}

// FindIncidentsByLabel returns the incidents (newest first, at most 50)
// that carry the label {labelType, value}. It queries
// `labels.type:<type> labels.value:"<value>"`, the form XSOAR's own
// de-duplication scripts use, which matches an incident with any label of
// that type and any label of that value; the answer keeps only those with
// the pair itself. XSOAR indexes incidents for queries shortly after they
// are created, so an incident made a moment ago may not be found yet.
func (c *Client) FindIncidentsByLabel(ctx context.Context, labelType, value string) ([]Incident, error) {
	if strings.TrimSpace(labelType) == "" || strings.ContainsAny(labelType, " \t\":") {
		return nil, invalid("a label type to search for must be one word")
	}
	if value == "" || strings.Contains(value, `"`) {
		return nil, invalid(`a label value to search for must be set and hold no "`)
	}
	var out searchResponse
	err := c.do(ctx, call{
		op:    "searchIncidents",
		path:  pathIncidentsSearch,
		body:  labelSearch{Filter: labelFilter{Query: "labels.type:" + labelType + " labels.value:" + strconv.Quote(value), Size: maxLabelMatches}},
		retry: httpx.RetryIdempotent,
	}, &out)
	if err != nil {
		return nil, err
	}
	var found []Incident
	for _, raw := range out.Data {
		var w incidentWire
		if err := json.Unmarshal(raw, &w); err != nil {
			return nil, decodeError("searchIncidents", err)
		}
		for _, l := range w.Labels {
			if l.Type == labelType && l.Value == value {
				found = append(found, incidentFromWire(w, raw))
				break
			}
		}
	}
	return found, nil
}

// incidentFromWire is the Incident of one search result.
func incidentFromWire(w incidentWire, raw json.RawMessage) Incident {
	return Incident{
		ID: w.ID, InvestigationID: w.InvestigationID, Name: w.Name, Type: w.Type,
		Severity: w.Severity, Status: w.Status, Details: w.Details, Labels: w.Labels,
		CustomFields: w.CustomFields, RawJSON: w.RawJSON,
		Created: w.Created, Modified: w.Modified, Occurred: w.Occurred, Closed: w.Closed,
		Version: w.Version, Raw: raw,
	}
}
