// Package openapi holds idcmd's generated OpenAPI document. doc.go and
// endpoints.go are written by hand; stubs_gen.go (one swag stub per catalog
// command), swagger.json and swagger.yaml are rebuilt by make generate and
// checked for staleness by the tests. The server serves the committed
// swagger.json itself (Document), so what a client downloads is the file
// that make test validates.
//
// @title        idcmd
// @version      1.0.0
// @description  Identity response commands for SOC playbooks: one validated endpoint per Okta, PingOne or provider-neutral action, with XSOAR CommandResults bodies. Errors are RFC 9457 problems. Mint a token with `idcmd token` and send it as `Authorization: Bearer <token>`.
// @BasePath     /
//
// @tag.name         okta
// @tag.description  Okta commands: users, lifecycle, sessions, factors and the System Log (Management API).
// @tag.name         pingone
// @tag.description  PingOne commands: users, account and password state, sessions, groups, roles, audit activities and PingOne Protect risk.
// @tag.name         prisma
// @tag.description  Prisma Cloud commands: a user's cloud blast radius from the IAM search, Prisma's view of Okta, identity alerts and the policies that raise them.
// @tag.name         neutral
// @tag.description  Provider-neutral commands: one argument set and XSOAR's standard Account and Identity.Event context for Okta and PingOne (pass provider).
// @tag.name         catalog
// @tag.description  The command catalog and the XSOAR integration file generated from it.
// @tag.name         approvals
// @tag.description  Four-eyes control: commands held for a second person's approval, and their decisions.
// @tag.name         audit
// @tag.description  The hash-chained audit log of every call: who ran what against whom, for which incident, and the outcome.
// @tag.name         writebacks
// @tag.description  Delivery of call outcomes to XSOAR war rooms and Cortex XDR incidents.
// @tag.name         events
// @tag.description  Identity events in: Okta event hooks and PingOne webhooks (authenticated by their shared secret), and the event log they and the pollers fill.
// @tag.name         health
// @tag.description  Liveness, readiness and Prometheus metrics; no token needed.
//
// @securityDefinitions.apikey  BearerAuth
// @in                          header
// @name                        Authorization
// @description                 Bearer <JWT> (HS256 with IDCMD_JWT_SECRET, or RS256/ES256 from auth.jwks_url). The token's scope claim holds its scopes: commands:read (read commands, the catalog, approvals, write-backs), commands:write (state-changing commands), approvals:decide (approve or reject held commands), audit:read (the audit log), events:read (the identity event log).
//
// @securityDefinitions.apikey  OktaHookSecret
// @in                          header
// @name                        Authorization
// @description                 okta.webhook_secret (OKTA_WEBHOOK_SECRET), exactly, in the header okta.webhook_header names (default Authorization): the event hook's channel.config.authScheme. Okta signs nothing; this shared secret is the authentication.
//
// @securityDefinitions.apikey  PingOneHookSecret
// @in                          header
// @name                        Authorization
// @description                 pingone.webhook_secret (PINGONE_WEBHOOK_SECRET), exactly, in the header pingone.webhook_header names (default Authorization): the subscription's httpEndpoint.headers. PingOne signs nothing; this static header is the authentication.
package openapi

import (
	_ "embed" // the committed OpenAPI document is served from the binary

	"github.com/idcmd/idcmd/openapi/generate"
)

// Version is idcmd's release version. The binary (idcmd version), this
// document's info.version (the @version annotation above: swag reads only
// comments) and the XSOAR integration all carry it; the tests fail when
// one of them differs.
const Version = "1.0.0"

// IntegrationVersion is the version the committed XSOAR integration carries.
const IntegrationVersion = generate.CommittedVersion

// Document is the OpenAPI 2.0 document (swagger.json) as make generate
// wrote it; GET /swagger/doc.json serves it unchanged. It has no host and
// no schemes on purpose: clients use the host and scheme they fetched it
// from.
//
//go:embed swagger.json
var Document []byte

// DocumentYAML is the same document as YAML (GET /swagger/doc.yaml).
//
//go:embed swagger.yaml
var DocumentYAML []byte
