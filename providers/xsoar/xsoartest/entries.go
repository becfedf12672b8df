package xsoartest

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Entry is a snapshot of one war-room entry.
type Entry struct {
	// ID is "<n>@<investigation ID>", XSOAR's entry ID format (the
	// swagger's /entry/note example, "1@1234").
	ID              string
	InvestigationID string
	// Markdown is the entry's text as the client sent it.
	Markdown string
	// Format is "markdown" when the entry was sent with markdown: true, so
	// the war room renders it, and "text" otherwise.
	Format string
	// Note is whether the entry is flagged as a note.
	Note bool
	Tags []string
	// User is who wrote it: the API key's user.
	User              string
	Created, Modified time.Time
	Version           int64
}

// apiUser is the user the fake's API key belongs to.
const apiUser = "admin"

// entryTypeNote is EntryType NOTE (1), the type of an ordinary entry
// (reference §4.5).
const entryTypeNote = 1.0

// entry is the fake's state of one entry, in its incident's war room.
type entry struct {
	Entry
	in *incident
}

func (e *entry) snapshot() Entry {
	out := e.Entry
	out.Tags = slices.Clone(e.Tags)
	return out
}

// Entries returns a snapshot of an investigation's entries in the order
// they were written, or nil if there is no such investigation.
func (s *Server) Entries(investigationID string) []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.lookup(investigationID)
	if in == nil {
		return nil
	}
	out := make([]Entry, len(in.entries))
	for i, e := range in.entries {
		out[i] = e.snapshot()
	}
	return out
}

// updateEntryRequest is the swagger's updateEntry, the body of POST
// /entry and POST /entry/note.
type updateEntryRequest struct {
	ID              string `json:"id"`
	Version         *int64 `json:"version"`
	InvestigationID string `json:"investigationId"`
	Data            string `json:"data"`
	Markdown        bool   `json:"markdown"`
}

// updateEntryTagsRequest is the swagger's updateEntryTags, the body of
// POST /entry/tags.
type updateEntryTagsRequest struct {
	ID              string   `json:"id"`
	Version         *int64   `json:"version"`
	InvestigationID string   `json:"investigationId"`
	Tags            []string `json:"tags"`
}

// openInvestigation finds an investigation that takes entries. The status
// for an unknown investigation is undocumented (neither the swagger nor
// the reference gives one); the fake answers 400, and a closed one gets
// the swagger's 412. s.mu is held.
func (s *Server) openInvestigation(id string) (*incident, *apiError) {
	if id == "" {
		return nil, errBadRequest("investigationId is required")
	}
	in := s.lookup(id)
	if in == nil {
		return nil, errBadRequest("Investigation " + id + " not found")
	}
	if in.IsClosed() {
		return nil, errClosed(id)
	}
	return in, nil
}

// addEntry serves POST /entry: a new entry in an open investigation.
func (s *Server) addEntry(body []byte, now time.Time) (any, *apiError) {
	var req updateEntryRequest
	if e := decodeBody(body, &req); e != nil {
		return nil, e
	}
	if strings.TrimSpace(req.Data) == "" {
		return nil, errBadRequest("data is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, e := s.openInvestigation(req.InvestigationID)
	if e != nil {
		return nil, e
	}
	format := "text"
	if req.Markdown {
		format = "markdown"
	}
	now = now.UTC()
	in.lastEntry++
	ent := &entry{in: in, Entry: Entry{
		ID:              fmt.Sprintf("%d@%s", in.lastEntry, in.InvestigationID),
		InvestigationID: in.InvestigationID,
		Markdown:        req.Data,
		Format:          format,
		User:            apiUser,
		Created:         now,
		Modified:        now,
		Version:         1,
	}}
	in.entries = append(in.entries, ent)
	s.entryOrder = append(s.entryOrder, ent)
	in.Modified = now
	s.retainLocked(now)
	return ent.wire(), nil
}

// updateEntryNote serves POST /entry/note: data "true" or "false" sets or
// clears an existing entry's note flag.
func (s *Server) updateEntryNote(body []byte, now time.Time) (any, *apiError) {
	var req updateEntryRequest
	if e := decodeBody(body, &req); e != nil {
		return nil, e
	}
	if req.Data != "true" && req.Data != "false" {
		return nil, errBadRequest(`data must be "true" or "false"`)
	}
	note := req.Data == "true"
	return s.updateEntry(req.InvestigationID, req.ID, req.Version, now, func(e *entry) { e.Note = note })
}

// updateEntryTags serves POST /entry/tags: it replaces an entry's tags.
func (s *Server) updateEntryTags(body []byte, now time.Time) (any, *apiError) {
	var req updateEntryTagsRequest
	if e := decodeBody(body, &req); e != nil {
		return nil, e
	}
	return s.updateEntry(req.InvestigationID, req.ID, req.Version, now, func(e *entry) { e.Tags = slices.Clone(req.Tags) })
}

// updateEntry applies change to an existing entry of an open
// investigation under the swagger's optimistic locking (reference §4.4):
// version must be the entry's current one, or -1 to force. A stale or
// missing version is a "DB version conflict", answered 400 (its real
// status is undocumented).
func (s *Server) updateEntry(investigationID, entryID string, version *int64, now time.Time, change func(*entry)) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, e := s.openInvestigation(investigationID)
	if e != nil {
		return nil, e
	}
	var ent *entry
	for _, cand := range in.entries {
		if cand.ID == entryID {
			ent = cand
			break
		}
	}
	if ent == nil {
		return nil, errBadRequest("Entry " + entryID + " not found in investigation " + investigationID)
	}
	if version == nil || (*version != -1 && *version != ent.Version) {
		return nil, errBadRequest("DB version conflict")
	}
	change(ent)
	ent.Version++
	ent.Modified = now.UTC()
	return ent.wire(), nil
}

// entryWire is an entry as the swagger's Entry describes it. contents is
// left out: the swagger types it as an object ("should not be used"),
// while the text is a string.
type entryWire struct {
	ID              string    `json:"id"`
	Version         int64     `json:"version"`
	InvestigationID string    `json:"investigationId"`
	Type            float64   `json:"type"`
	Format          string    `json:"format"`
	Note            bool      `json:"note"`
	Pinned          bool      `json:"pinned"`
	Deleted         bool      `json:"deleted"`
	Tags            []string  `json:"tags"`
	TagsRaw         []string  `json:"tagsRaw"`
	User            string    `json:"user"`
	ContentsSize    int64     `json:"contentsSize"`
	Created         time.Time `json:"created"`
	Modified        time.Time `json:"modified"`
}

// wire renders the entry. s.mu is held.
func (e *entry) wire() entryWire {
	return entryWire{
		ID: e.ID, Version: e.Version, InvestigationID: e.InvestigationID,
		Type: entryTypeNote, Format: e.Format, Note: e.Note,
		Tags: append([]string{}, e.Tags...), TagsRaw: append([]string{}, e.Tags...),
		User: e.User, ContentsSize: int64(len(e.Markdown)),
		Created: e.Created, Modified: e.Modified,
	}
}
