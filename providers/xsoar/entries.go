package xsoar

import (
	"context"
	"slices"
	"strings"

	"github.com/idcmd/idcmd/providers/httpx"
)

// Entry is a war-room entry to add to an investigation.
type Entry struct {
	// InvestigationID is the war room to write to. In practice it equals
	// the incident ID, but the spec does not promise that (reference
	// §4.2); read Incident.InvestigationID when in doubt.
	InvestigationID string
	// Markdown is the entry's text; the war room renders it as Markdown.
	Markdown string
	// Note flags the entry as a note, so it stands out in the war room and
	// shows in the incident's notes.
	Note bool
	// Tags are set on the entry (for example "idcmd"), so responders and
	// playbooks can filter the war room by them.
	Tags []string
}

// updateEntry is the swagger's updateEntry body of POST /entry and POST
// /entry/note (reference §4.2).
type updateEntry struct {
	ID              string `json:"id,omitempty"`
	Version         *int64 `json:"version,omitempty"`
	InvestigationID string `json:"investigationId"`
	Data            string `json:"data"`
	Markdown        bool   `json:"markdown,omitempty"`
}

// updateEntryTags is the swagger's updateEntryTags body of POST
// /entry/tags.
type updateEntryTags struct {
	ID              string   `json:"id"`
	Version         int64    `json:"version"`
	InvestigationID string   `json:"investigationId"`
	Tags            []string `json:"tags"`
}

// entryResponse is the part of the swagger's Entry that AddEntry reads.
type entryResponse struct {
	ID string `json:"id"`
}

// forceVersion is the version that overwrites whatever is stored (the
// swagger's optimistic locking, reference §4.4). Flagging an entry idcmd
// has just written cannot lose anyone's edit, so it needs no read first.
const forceVersion int64 = -1

// AddEntry writes e to its investigation's war room as a Markdown entry
// (POST /entry with markdown: true), then flags it as a note (POST
// /entry/note) and sets its tags (POST /entry/tags) if asked. It returns
// the entry's ID, such as "5@1234".
//
// Adding an entry is not idempotent, so it is re-sent only after a 429
// (XSOAR refused it before acting); a 5xx or a dropped connection is
// reported, and the caller decides. A closed investigation answers 412:
// an *upstream.Error of kind Conflict with Code CodeInvestigationClosed,
// for which Permanent is true. If the entry was written but flagging it
// failed, AddEntry returns the entry's ID together with an
// *EntryFlagError: the entry is in the war room and must not be added
// again.
func (c *Client) AddEntry(ctx context.Context, e Entry) (string, error) {
	switch {
	case strings.TrimSpace(e.InvestigationID) == "":
		return "", invalid("an investigation ID is required")
	case strings.TrimSpace(e.Markdown) == "":
		return "", invalid("an entry needs some Markdown text")
	case slices.ContainsFunc(e.Tags, func(t string) bool { return strings.TrimSpace(t) == "" }):
		return "", invalid("entry tags must not be empty")
	}
	var created entryResponse
	err := c.do(ctx, call{
		op:    "investigationAddEntryHandler",
		path:  pathEntry,
		body:  updateEntry{InvestigationID: e.InvestigationID, Data: e.Markdown, Markdown: true},
		retry: httpx.RetryRateLimited,
	}, &created)
	if err != nil {
		return "", err
	}
	if created.ID == "" {
		return "", decodeError("investigationAddEntryHandler", errNoID)
	}
	if e.Note {
		if err := c.markNote(ctx, e.InvestigationID, created.ID); err != nil {
			return created.ID, &EntryFlagError{EntryID: created.ID, Step: "note", Err: err}
		}
	}
	if len(e.Tags) > 0 {
		if err := c.setTags(ctx, e.InvestigationID, created.ID, e.Tags); err != nil {
			return created.ID, &EntryFlagError{EntryID: created.ID, Step: "tags", Err: err}
		}
	}
	return created.ID, nil
}

// markNote flags an existing entry as a note. POST /entry/note does not
// create anything (reference §4.2): it sets the flag to data's "true", so
// sending it twice is harmless and it is retried like a read.
func (c *Client) markNote(ctx context.Context, investigationID, entryID string) error {
	v := forceVersion
	var out entryResponse
	return c.do(ctx, call{
		op:    "updateEntryNote",
		path:  pathEntryNote,
		body:  updateEntry{ID: entryID, Version: &v, InvestigationID: investigationID, Data: "true"},
		retry: httpx.RetryIdempotent,
	}, &out)
}

// setTags sets an entry's tags. It replaces the set, so it is idempotent.
func (c *Client) setTags(ctx context.Context, investigationID, entryID string, tags []string) error {
	var out entryResponse
	return c.do(ctx, call{
		op:    "updateEntryTagsOp",
		path:  pathEntryTags,
		body:  updateEntryTags{ID: entryID, Version: forceVersion, InvestigationID: investigationID, Tags: tags},
		retry: httpx.RetryIdempotent,
	}, &out)
}
