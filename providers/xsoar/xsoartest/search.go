package xsoartest

import (
	"cmp"
	"slices"
	"strconv"
	"time"
)

// maxPageSize is the largest page /incidents/search returns (the
// swagger's IncidentFilter.size: "limited to 1000").
const maxPageSize = 1000

// searchRequest is the swagger's SearchIncidentsData (reference §4.3).
type searchRequest struct {
	Filter     *incidentFilter `json:"filter"`
	UserFilter bool            `json:"userFilter"`
}

// incidentFilter is the part of the swagger's IncidentFilter the fake
// evaluates. Fields it does not know are ignored, as XSOAR ignores
// unknown JSON; query is evaluated in the subset parseQuery accepts.
type incidentFilter struct {
	ID            []string  `json:"id"`
	Investigation []string  `json:"investigation"`
	Name          []string  `json:"name"`
	Type          []string  `json:"type"`
	Status        []float64 `json:"status"`
	NotStatus     []float64 `json:"notStatus"`
	Level         []float64 `json:"level"`
	Query         string    `json:"query"`
	Page          int       `json:"page"`
	Size          int       `json:"size"`
	Sort          []order   `json:"sort"`
}

// order is the swagger's Order.
type order struct {
	Field string `json:"field"`
	Asc   bool   `json:"asc"`
}

// searchResponse is the swagger's incidentSearchResponse.
type searchResponse struct {
	Data  []incidentWire `json:"data"`
	Total int            `json:"total"`
}

// searchIncidents serves POST /incidents/search. Every filter field given
// must match (an empty list matches all). As on XSOAR, a size of 0 (the
// default) returns no incidents but still the total (reference §5), and
// the size is capped at 1000. The order is newest first unless sort says
// otherwise.
func (s *Server) searchIncidents(body []byte, _ time.Time) (any, *apiError) {
	var req searchRequest
	if e := decodeBody(body, &req); e != nil {
		return nil, e
	}
	f := req.Filter
	if f == nil {
		f = &incidentFilter{}
	}
	if f.Page < 0 || f.Size < 0 {
		return nil, errBadRequest("page and size must not be negative")
	}
	terms, err := parseQuery(f.Query)
	if err != nil {
		return nil, errBadRequest(err.Error())
	}
	less, e := sortOrder(f.Sort)
	if e != nil {
		return nil, e
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked()
	var matches []*incident
	for _, in := range s.incidents {
		if f.matches(in) && terms.match(in) {
			matches = append(matches, in)
		}
	}
	slices.SortStableFunc(matches, less)
	out := searchResponse{Data: []incidentWire{}, Total: len(matches)}
	if size := min(f.Size, maxPageSize); size > 0 && f.Page < len(matches) {
		start := f.Page * size
		for _, in := range matches[min(start, len(matches)):min(start+size, len(matches))] {
			out.Data = append(out.Data, in.wire())
		}
	}
	return out, nil
}

// matches reports whether in passes every structured filter field.
func (f *incidentFilter) matches(in *incident) bool {
	return anyOf(f.ID, in.ID) && anyOf(f.Investigation, in.InvestigationID) &&
		anyOf(f.Name, in.Name) && anyOf(f.Type, in.Type) &&
		anyOf(f.Status, in.Status) && anyOf(f.Level, in.Severity) &&
		(len(f.NotStatus) == 0 || !slices.Contains(f.NotStatus, in.Status))
}

// anyOf reports whether v is in want, or want is empty.
func anyOf[T comparable](want []T, v T) bool {
	return len(want) == 0 || slices.Contains(want, v)
}

// sortOrder builds the comparison for a search's sort: the fields the
// fake knows, each ascending or descending, then newest first.
func sortOrder(sort []order) (func(a, b *incident) int, *apiError) {
	keys := make([]func(a, b *incident) int, 0, len(sort)+1)
	for _, o := range sort {
		var key func(a, b *incident) int
		switch o.Field {
		case "id":
			key = func(a, b *incident) int { return cmp.Compare(numericID(a), numericID(b)) }
		case "name":
			key = func(a, b *incident) int { return cmp.Compare(a.Name, b.Name) }
		case "severity":
			key = func(a, b *incident) int { return cmp.Compare(a.Severity, b.Severity) }
		case "created":
			key = func(a, b *incident) int { return a.Created.Compare(b.Created) }
		case "modified":
			key = func(a, b *incident) int { return a.Modified.Compare(b.Modified) }
		case "occurred":
			key = func(a, b *incident) int { return a.Occurred.Compare(b.Occurred) }
		default:
			return nil, errBadRequest("xsoartest cannot sort by " + strconv.Quote(o.Field) +
				"; it sorts by id, name, severity, created, modified or occurred")
		}
		if !o.Asc {
			key = reversed(key)
		}
		keys = append(keys, key)
	}
	keys = append(keys, func(a, b *incident) int { return cmp.Compare(numericID(b), numericID(a)) })
	return func(a, b *incident) int {
		for _, key := range keys {
			if c := key(a, b); c != 0 {
				return c
			}
		}
		return 0
	}, nil
}

func reversed(key func(a, b *incident) int) func(a, b *incident) int {
	return func(a, b *incident) int { return key(b, a) }
}

// numericID is the incident's ID as the number it is.
func numericID(in *incident) int {
	n, _ := strconv.Atoi(in.ID)
	return n
}
