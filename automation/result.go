package automation

import (
	"encoding/json"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/providers/upstream"
)

// Statuses of a response's result.
const (
	// StatusDone: the command ran.
	StatusDone = "done"
	// StatusPendingApproval: the Invoker holds the call for a person
	// (require_approval, or the rate limit's hold); ApprovalID says which.
	StatusPendingApproval = "pending_approval"
	// StatusFailed: the provider refused or failed the call.
	StatusFailed = "failed"
	// StatusRejected: idcmd did not run it (the kill switch, arguments or
	// a call the Invoker refused).
	StatusRejected = "rejected"
)

// Result is what a response write-back keeps (store.WriteBack.Result). It
// holds no outputs of the command: nothing a provider answered (a reset
// link, were there one) is stored with it.
type Result struct {
	Status           string             `json:"status"`
	Command          string             `json:"command"`
	EffectiveCommand string             `json:"effective_command,omitempty"`
	AuditID          int64              `json:"audit_id,omitempty"`
	ApprovalID       string             `json:"approval_id,omitempty"`
	Incident         *commands.Incident `json:"incident"`
	// Replayed: the response had run before (a redelivery); this is the
	// outcome stored under its idempotency key.
	Replayed bool   `json:"replayed,omitempty"`
	Detail   string `json:"detail,omitempty"`
}

func (r Result) json() json.RawMessage {
	b, _ := json.Marshal(r)
	return b
}

// refused is a failure no retry heals, in the form the worker treats as
// permanent (upstream Invalid).
func refused(msg string) error {
	return &upstream.Error{Provider: "idcmd", Kind: upstream.Invalid, Message: msg}
}
