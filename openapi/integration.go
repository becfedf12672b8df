package openapi

import _ "embed" // the generated XSOAR integration is served from the binary

// XSOARIntegration is the unified XSOAR integration YAML that make generate
// writes from the catalog; idcmd export xsoar and
// GET /api/v1/xsoar/integration.yml hand it out.
//
//go:embed xsoar_integration.yml
var XSOARIntegration []byte

// IntegrationVersion is the version stamped into the integration file. It
// is a constant, not the build's version, so the generated file only
// changes when the catalog does.
const IntegrationVersion = "1.0.0"
