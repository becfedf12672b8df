package generate

import (
	"bytes"
	"fmt"
	"os/exec"
)

// SwagDirs are the packages swag reads: the stubs first (they hold the
// general API info), then every package whose types the stubs name.
var SwagDirs = "./openapi,./commands,./workflows,./risk,./problem,./handlers,./store,./events,./rules,./providers/okta"

// Swag runs the pinned swag tool (go tool swag) from root, writing
// swagger.json and swagger.yaml into outDir. No docs.go: swag's Go output
// fills a template at run time (an empty "host" and "schemes": [], which
// validators reject), so the server serves the committed swagger.json
// instead (openapi.Document) and there is one document, not two.
func Swag(root, outDir string) error {
	cmd := exec.Command("go", "tool", "swag", "init",
		"--quiet",
		"--generalInfo", "doc.go",
		"--dir", SwagDirs,
		"--output", outDir,
		"--outputTypes", "json,yaml",
		"--packageName", "openapi",
		"--overridesFile", "./openapi/swag.overrides",
	)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go tool swag init: %w\n%s", err, stderr.String())
	}
	return nil
}
