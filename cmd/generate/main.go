// Command generate rebuilds every generated file: make generate runs it from
// the repository root.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/idcmd/idcmd/catalog"
	"github.com/idcmd/idcmd/openapi/generate"
)

func main() {
	if err := run("."); err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
}

func run(root string) error {
	docs, err := generate.FieldDocs(root)
	if err != nil {
		return fmt.Errorf("field docs: %w", err)
	}
	if err := os.WriteFile(filepath.Join(root, "commands", "fielddocs_gen.go"), docs, 0o644); err != nil {
		return err
	}
	stubs, err := generate.Stubs(catalog.Default)
	if err != nil {
		return fmt.Errorf("stubs: %w", err)
	}
	if err := os.WriteFile(filepath.Join(root, "openapi", "stubs_gen.go"), stubs, 0o644); err != nil {
		return err
	}
	integration, err := generate.XSOARIntegration(catalog.Default, generate.XSOAROptions{Version: generate.CommittedVersion})
	if err != nil {
		return fmt.Errorf("xsoar integration: %w", err)
	}
	if err := os.WriteFile(filepath.Join(root, "openapi", "xsoar_integration.yml"), integration, 0o644); err != nil {
		return err
	}
	if err := generate.Swag(root, "./openapi"); err != nil {
		return err
	}
	readmePath := filepath.Join(root, "README.md")
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		return err
	}
	updated, err := generate.Readme(readme, catalog.Default)
	if err != nil {
		return err
	}
	return os.WriteFile(readmePath, updated, 0o644)
}
