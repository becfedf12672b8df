package openapi

import (
	_ "embed" // the generated XSOAR integration is served from the binary

	"github.com/idcmd/idcmd/catalog"
	"github.com/idcmd/idcmd/openapi/generate"
)

// XSOARIntegration is the unified XSOAR integration YAML that make generate
// writes from the catalog, stamped with generate.CommittedVersion.
//
//go:embed xsoar_integration.yml
var XSOARIntegration []byte

// XSOARIntegrationFor is the integration as an idcmd of version hands it out
// (idcmd export xsoar, GET /api/v1/xsoar/integration.yml): stamped with that
// version, so the file names the idcmd that served it, and with prefix before
// every command name. It is the committed file when neither differs from it
// (an empty version counts as the committed one).
func XSOARIntegrationFor(version, prefix string) ([]byte, error) {
	if version == "" {
		version = generate.CommittedVersion
	}
	if version == generate.CommittedVersion && prefix == "" {
		return XSOARIntegration, nil
	}
	return generate.XSOARIntegration(catalog.Default, generate.XSOAROptions{Version: version, Prefix: prefix})
}
