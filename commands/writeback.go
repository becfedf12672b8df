package commands

import (
	"fmt"
	"strings"

	"github.com/idcmd/idcmd/providers/upstream"
	"github.com/idcmd/idcmd/store"
)

// WritebackRef tells the caller where the outcome is being written.
type WritebackRef struct {
	// Write-back id; GET /api/v1/writebacks/{id} shows its attempts.
	ID string `json:"id" example:"wb_4k3j2h1g5f6d7s8a9q0w"`
	// queued when the response is sent; the worker then delivers it.
	Status string `json:"status" example:"queued"`
	// Platform and incident, e.g. xsoar:1234.
	Target string `json:"target" example:"xsoar:1234"`
}

// writebackFor builds the war-room entry (XSOAR) or incident comment (XDR)
// that tells a responder what was done to whom, by whom, why and how it
// ended. The audit record's number is added by the worker, which knows it.
func writebackFor(inc *Incident, e entry) *store.WriteBack {
	// Only validated incident context gets a write-back: a call refused for
	// a bad incident has nowhere trustworthy to write to.
	if inc == nil || (inc.Platform != "xsoar" && inc.Platform != "xdr") || inc.ID == "" {
		return nil
	}
	inv := inc.InvestigationID
	if inv == "" && inc.Platform == "xsoar" {
		inv = inc.ID
	}
	return &store.WriteBack{Platform: inc.Platform, IncidentID: inc.ID, InvestigationID: inv, Markdown: e.markdown()}
}

// entry is what a write-back says.
type entry struct {
	command   string
	summary   string
	headline  string // success, failed, held for approval, rejected, ...
	user      string
	requester string
	approver  string
	requestID string
	detail    string
	provider  string
	readable  string
}

func (e entry) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "#### idcmd: %s: %s\n", e.command, e.headline)
	// Everything that comes from a caller or a provider (the user, the
	// subjects, error text quoting either) is a literal: it cannot carry a
	// link or markup into the incident under idcmd's name.
	rows := [][2]string{
		{"Action", escapeCell(e.summary)},
		{"User", literal(e.user)},
		{"Requested by", literal(e.requester)},
		{"Approved by", literal(e.approver)},
		{"Outcome", literal(e.detail)},
		{"Provider answer", literal(e.provider)},
		{"Request id", literal(e.requestID)},
	}
	b.WriteString("| | |\n|---|---|\n")
	for _, r := range rows {
		if r[1] != "" {
			fmt.Fprintf(&b, "| %s | %s |\n", r[0], r[1])
		}
	}
	if e.readable != "" {
		b.WriteString("\n")
		b.WriteString(e.readable)
	}
	return b.String()
}

// resultEntry describes a finished run.
func resultEntry(info Info, req Request, readable string, runErr error) entry {
	e := entry{command: info.Name, summary: info.Summary, user: targetUser(req.Args), requester: req.Caller.Subject,
		requestID: req.RequestID, headline: "done", detail: "success", readable: readable}
	if req.approval != nil {
		e.approver = req.approval.Approver
	}
	if runErr != nil {
		e.headline, e.detail, e.readable = "FAILED", truncate(runErr.Error(), 1000), ""
		if ue := upstream.As(runErr); ue != nil {
			e.provider = fmt.Sprintf("%s HTTP %d %s", ue.Provider, ue.Status, ue.Code)
		}
	}
	return e
}
