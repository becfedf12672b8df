package main

import (
	"errors"
	"flag"
	"io"
	"os"

	"github.com/idcmd/idcmd/openapi"
)

// export writes the XSOAR integration file, which an XSOAR admin uploads
// under Settings → Integrations.
func export(args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "xsoar" {
		return errors.New("usage: idcmd export xsoar [-o FILE]")
	}
	fs := flag.NewFlagSet("export xsoar", flag.ContinueOnError)
	path := fs.String("o", "", "write to FILE instead of standard output")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *path != "" {
		return os.WriteFile(*path, openapi.XSOARIntegration, 0o644)
	}
	_, err := out.Write(openapi.XSOARIntegration)
	return err
}
