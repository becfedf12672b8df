// Package openapi holds idcmd's generated OpenAPI document. doc.go and
// endpoints.go are written by hand; stubs_gen.go (one swag stub per catalog
// command), docs.go, swagger.json and swagger.yaml are rebuilt by
// make generate and checked for staleness by the tests.
//
// @title        idcmd
// @version      1
// @description  Identity response commands for SOC playbooks: one validated endpoint per Okta action, with XSOAR CommandResults bodies. Errors are RFC 9457 problems. Mint a token with `idcmd token` and send it as `Authorization: Bearer <token>`.
// @BasePath     /
//
// @securityDefinitions.apikey  BearerAuth
// @in                          header
// @name                        Authorization
// @description                 Bearer <JWT>. Scopes: commands:read, commands:write.
package openapi
