package openapi

import (
	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/handlers"
	"github.com/idcmd/idcmd/problem"
	"github.com/idcmd/idcmd/store"
)

// Swag stubs for the endpoints that are not commands. Command operations are
// generated into stubs_gen.go from the catalog.

// healthz godoc
//
// @ID           healthz
// @Summary      Liveness: the process serves requests
// @Description  Answers 200 while the process serves requests. Needs no token. Use it as the container's liveness probe.
// @Tags         health
// @Produce      json
// @Success      200  {object}  handlers.HealthStatus
// @Security
// @Router       /healthz [get]
func healthz() {}

// readyz godoc
//
// @ID           readyz
// @Summary      Readiness: every configured provider can be reached and authenticated
// @Description  Answers 200 when every configured provider (Okta, PingOne, XSOAR, XDR) can be reached and accepts idcmd's credentials, 503 otherwise. Advisory checks (Prisma Cloud, and its view of Okta: prisma_okta_idp, see integrations.prisma_cloud.sync_users) never make it 503: a failing one is listed under degraded. Needs no token. Use it as the readiness probe.
// @Tags         health
// @Produce      json
// @Success      200  {object}  handlers.HealthStatus
// @Failure      503  {object}  handlers.HealthStatus
// @Security
// @Router       /readyz [get]
func readyz() {}

// metrics godoc
//
// @ID           metrics
// @Summary      Prometheus metrics: command runs, errors and latency; provider calls by status
// @Description  Prometheus text exposition: command runs, errors and latency per command; provider calls and latency by status. Needs no token.
// @Tags         health
// @Produce      plain
// @Success      200  {string}  string  "Prometheus text format"
// @Security
// @Router       /metrics [get]
func metrics() {}

// listCommands godoc
//
// @ID           list-commands
// @Summary      The command catalog: every command with its arguments, outputs and risk
// @Description  Every command with its arguments (types, required, enums), its outputs as XSOAR context paths, its risk and the scope it needs. Needs commands:read.
// @Tags         catalog
// @Produce      json
// @Produce      application/problem+json
// @Security     BearerAuth
// @Success      200  {object}  handlers.CatalogList
// @Failure      401  {object}  problem.Problem  "Missing or invalid token"
// @Failure      403  {object}  problem.Problem  "Missing commands:read scope"
// @Router       /api/v1/commands [get]
func listCommands() {}

// The stubs exist for swag only; referencing them keeps vet quiet, and the
// imports give swag the packages the annotations name.
var (
	_ = []func(){healthz, readyz, metrics, listCommands}
	_ handlers.HealthStatus
	_ problem.Problem
)

// ApprovalPendingResult is the 202 answer of a state-changing command that
// policy holds for a second person.
type ApprovalPendingResult struct {
	commands.ResultMeta
	// The pending approval, also under approval.
	Outputs commands.PendingApproval `json:"outputs"`
	// Poll status_url, or approve it with POST /api/v1/approvals/{id}/approve.
	Approval commands.PendingApproval `json:"approval"`
}

// listApprovals godoc
//
// @ID           list-approvals
// @Summary      List approvals, newest first
// @Description  Approvals requested by state-changing commands that policy holds for a second person, newest first, with their status. Needs commands:read or approvals:decide.
// @Tags         approvals
// @Produce      json
// @Produce      application/problem+json
// @Security     BearerAuth
// @Param        status     query  string  false  "Only this status"  Enums(pending, approved, rejected, expired, cancelled, running, executed, failed)
// @Param        requester  query  string  false  "Only this requester"
// @Param        command    query  string  false  "Only this command"
// @Param        limit      query  int     false  "Page size (1-500)"  default(50)
// @Param        cursor     query  string  false  "next_cursor of the previous page"
// @Success      200  {object}  handlers.ApprovalList
// @Failure      400  {object}  problem.Problem  "Invalid query"
// @Failure      401  {object}  problem.Problem  "Missing or invalid token"
// @Failure      403  {object}  problem.Problem  "Needs commands:read or approvals:decide"
// @Router       /api/v1/approvals [get]
func listApprovals() {}

// getApproval godoc
//
// @ID           get-approval
// @Summary      One approval, with the command's result once it ran
// @Description  The approval with its request, requester, decision and, once it ran, the command's result. Needs commands:read or approvals:decide.
// @Tags         approvals
// @Produce      json
// @Produce      application/problem+json
// @Security     BearerAuth
// @Param        id   path  string  true  "Approval id"
// @Success      200  {object}  store.Approval
// @Failure      401  {object}  problem.Problem  "Missing or invalid token"
// @Failure      403  {object}  problem.Problem  "Needs commands:read or approvals:decide"
// @Failure      404  {object}  problem.Problem  "No such approval"
// @Router       /api/v1/approvals/{id} [get]
func getApproval() {}

// approveApproval godoc
//
// @ID           approve-approval
// @Summary      Approve: the held command runs now (at most once), as requested, with the approver recorded
// @Description  A second person (approvals:decide, not the requester) approves a pending approval: the held command runs now, once, with requester and approver recorded in the audit log, and the answer carries its outcome.
// @Tags         approvals
// @Accept       json
// @Produce      json
// @Produce      application/problem+json
// @Security     BearerAuth
// @Param        id    path  string              true   "Approval id"
// @Param        body  body  handlers.Decision  false  "Comment"
// @Success      200  {object}  store.Approval  "Decided; status executed or failed, with the result"
// @Failure      400  {object}  problem.Problem  "Invalid body"
// @Failure      401  {object}  problem.Problem  "Missing or invalid token"
// @Failure      403  {object}  problem.Problem  "Needs approvals:decide, or the approver is the requester"
// @Failure      404  {object}  problem.Problem  "No such approval"
// @Failure      409  {object}  problem.Problem  "Already decided, cancelled or expired"
// @Failure      415  {object}  problem.Problem  "Body is not JSON"
// @Router       /api/v1/approvals/{id}/approve [post]
func approveApproval() {}

// rejectApproval godoc
//
// @ID           reject-approval
// @Summary      Reject: the held command never runs
// @Description  A second person (approvals:decide, not the requester) rejects a pending approval; the held command never runs and the rejection is audited.
// @Tags         approvals
// @Accept       json
// @Produce      json
// @Produce      application/problem+json
// @Security     BearerAuth
// @Param        id    path  string              true   "Approval id"
// @Param        body  body  handlers.Decision  false  "Comment"
// @Success      200  {object}  store.Approval
// @Failure      400  {object}  problem.Problem  "Invalid body"
// @Failure      401  {object}  problem.Problem  "Missing or invalid token"
// @Failure      403  {object}  problem.Problem  "Needs approvals:decide, or the approver is the requester"
// @Failure      404  {object}  problem.Problem  "No such approval"
// @Failure      409  {object}  problem.Problem  "Already decided, cancelled or expired"
// @Failure      415  {object}  problem.Problem  "Body is not JSON"
// @Router       /api/v1/approvals/{id}/reject [post]
func rejectApproval() {}

// cancelApproval godoc
//
// @ID           cancel-approval
// @Summary      Cancel a pending approval (the requester only)
// @Description  The requester withdraws a pending approval; the held command never runs.
// @Tags         approvals
// @Produce      json
// @Produce      application/problem+json
// @Security     BearerAuth
// @Param        id   path  string  true  "Approval id"
// @Success      200  {object}  store.Approval
// @Failure      401  {object}  problem.Problem  "Missing or invalid token"
// @Failure      403  {object}  problem.Problem  "Not the requester"
// @Failure      404  {object}  problem.Problem  "No such approval"
// @Failure      409  {object}  problem.Problem  "No longer pending"
// @Router       /api/v1/approvals/{id}/cancel [post]
func cancelApproval() {}

// listAudit godoc
//
// @ID           list-audit
// @Summary      The audit log: who ran what against whom, why, and the outcome; newest first
// @Description  Audit records, newest first, filtered by command, caller, user, incident, outcome and time; each carries the hash of the one before (idcmd audit verify walks the chain). Needs audit:read.
// @Tags         audit
// @Produce      json
// @Produce      application/problem+json
// @Security     BearerAuth
// @Param        command   query  string  false  "Only this command"
// @Param        subject   query  string  false  "Only this caller"
// @Param        user      query  string  false  "Only calls about this user (as the caller named them)"
// @Param        incident  query  string  false  "Only calls with this incident id"
// @Param        outcome   query  string  false  "Only this outcome"  Enums(success, provider_error, rejected, pending_approval, error)
// @Param        since     query  string  false  "From this time (RFC 3339, inclusive)"
// @Param        until     query  string  false  "Up to this time (RFC 3339, exclusive)"
// @Param        limit     query  int     false  "Page size (1-500)"  default(50)
// @Param        cursor    query  string  false  "next_cursor of the previous page"
// @Success      200  {object}  handlers.AuditList
// @Failure      400  {object}  problem.Problem  "Invalid query"
// @Failure      401  {object}  problem.Problem  "Missing or invalid token"
// @Failure      403  {object}  problem.Problem  "Needs audit:read"
// @Router       /api/v1/audit [get]
func listAudit() {}

var (
	_ = []func(){listApprovals, getApproval, approveApproval, rejectApproval, cancelApproval, listAudit}
	_ store.Approval
	_ commands.PendingApproval
)

// listWritebacks godoc
//
// @ID           list-writebacks
// @Summary      Write-backs to incidents, newest first: queued, delivering, delivered or failed
// @Description  Write-backs of call outcomes to XSOAR war rooms and XDR incidents, newest first, with their delivery status. Needs commands:read.
// @Tags         writebacks
// @Produce      json
// @Produce      application/problem+json
// @Security     BearerAuth
// @Param        status    query  string  false  "Only this status"  Enums(queued, delivering, delivered, failed)
// @Param        incident  query  string  false  "Only this incident id"
// @Param        limit     query  int     false  "Page size (1-500)"  default(50)
// @Param        cursor    query  string  false  "next_cursor of the previous page"
// @Success      200  {object}  handlers.WritebackList
// @Failure      400  {object}  problem.Problem  "Invalid query"
// @Failure      401  {object}  problem.Problem  "Missing or invalid token"
// @Failure      403  {object}  problem.Problem  "Needs commands:read"
// @Router       /api/v1/writebacks [get]
func listWritebacks() {}

// getWriteback godoc
//
// @ID           get-writeback
// @Summary      One write-back: its target, attempts and last error
// @Description  One write-back with its target, delivery attempts and last error. Needs commands:read.
// @Tags         writebacks
// @Produce      json
// @Produce      application/problem+json
// @Security     BearerAuth
// @Param        id   path  string  true  "Write-back id"
// @Success      200  {object}  store.WriteBack
// @Failure      401  {object}  problem.Problem  "Missing or invalid token"
// @Failure      403  {object}  problem.Problem  "Needs commands:read"
// @Failure      404  {object}  problem.Problem  "No such write-back"
// @Router       /api/v1/writebacks/{id} [get]
func getWriteback() {}

var _ = []func(){listWritebacks, getWriteback}

// xsoarIntegration godoc
//
// @ID           xsoar-integration
// @Summary      The XSOAR integration file (unified YAML) for every catalog command
// @Description  Upload it in XSOAR under Settings → Integrations; then !okta-suspend-user user=... runs through idcmd and results land in context.
// @Tags         catalog
// @Produce      application/x-yaml
// @Produce      application/problem+json
// @Security     BearerAuth
// @Success      200  {object}  object  "Integration YAML (an object once parsed)"
// @Failure      401  {object}  problem.Problem  "Missing or invalid token"
// @Failure      403  {object}  problem.Problem  "Needs commands:read"
// @Router       /api/v1/xsoar/integration.yml [get]
func xsoarIntegration() {}

var _ = xsoarIntegration
