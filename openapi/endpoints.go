package openapi

import (
	"github.com/idcmd/idcmd/handlers"
	"github.com/idcmd/idcmd/problem"
)

// Swag stubs for the endpoints that are not commands. Command operations are
// generated into stubs_gen.go from the catalog.

// healthz godoc
//
// @ID           healthz
// @Summary      Liveness: the process serves requests
// @Tags         health
// @Produce      json
// @Success      200  {object}  handlers.HealthStatus
// @Router       /healthz [get]
func healthz() {}

// readyz godoc
//
// @ID           readyz
// @Summary      Readiness: every configured provider can be reached and authenticated
// @Tags         health
// @Produce      json
// @Success      200  {object}  handlers.HealthStatus
// @Failure      503  {object}  handlers.HealthStatus
// @Router       /readyz [get]
func readyz() {}

// metrics godoc
//
// @ID           metrics
// @Summary      Prometheus metrics: command runs, errors and latency; provider calls by status
// @Tags         health
// @Produce      plain
// @Success      200  {string}  string  "Prometheus text format"
// @Router       /metrics [get]
func metrics() {}

// listCommands godoc
//
// @ID           list-commands
// @Summary      The command catalog: every command with its arguments, outputs and risk
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
