package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/idcmd/idcmd/openapi"
)

const exportUsage = "usage: idcmd export xsoar [--prefix idcmd-] [-o FILE]"

// export writes the XSOAR integration file, which an XSOAR admin uploads
// under Settings → Integrations. It carries this binary's version, and with
// --prefix every command name starts with the prefix, so the integration can
// be installed next to XSOAR's Okta v2 and PingOne packs, whose commands
// have the same names.
func export(args []string, out io.Writer) error { return exportAs(version, args, out) }

// exportAs is export as a binary of version v would run it.
func exportAs(v string, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "xsoar" {
		return errors.New(exportUsage)
	}
	fs := flag.NewFlagSet("export xsoar", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	path := fs.String("o", "", "write to FILE instead of standard output")
	prefix := fs.String("prefix", "", "put PREFIX before every command name, e.g. idcmd- (idcmd-okta-suspend-user)")
	if err := fs.Parse(args[1:]); errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(out, exportUsage)
		fs.SetOutput(out)
		fs.PrintDefaults()
		return nil
	} else if err != nil {
		return fmt.Errorf("%w\n%s", err, exportUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q\n%s", fs.Arg(0), exportUsage)
	}
	file, err := openapi.XSOARIntegrationFor(v, *prefix)
	if err != nil {
		return err
	}
	if *path != "" {
		return os.WriteFile(*path, file, 0o644)
	}
	_, err = out.Write(file)
	return err
}
