// Command idcmd is the identity response server. main only wires: it reads
// configuration, builds provider clients, the Invoker and the Echo server.
// The subcommands are listed once, in subcommands (audit once per form);
// idcmd --help prints that list, so the help cannot forget one.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/idcmd/idcmd/openapi"
)

// version is idcmd's release version, the one the OpenAPI document
// (info.version) and the XSOAR integration carry too; it lives in
// openapi.Version so that the generated files and the binary share it.
const version = openapi.Version

// build identifies the source the binary was built from (make build and
// make run set it to git describe with -ldflags "-X main.build=...").
var build = ""

// subcommand is one thing idcmd does: its name, its arguments and summary
// as --help shows them, and the function that runs it.
type subcommand struct {
	name, args, summary string
	run                 func(args []string, out io.Writer) error
}

// subcommands are every subcommand, in the order --help lists them.
var subcommands = []subcommand{
	{"serve", "[--config FILE] [--addr HOST:PORT] [--sandbox]",
		"run the server (--sandbox: on seeded fake Okta, PingOne, Prisma Cloud, XSOAR and XDR tenants)",
		func(args []string, _ io.Writer) error { return serve(args) }},
	{"token", `--subject NAME [--scope "commands:read commands:write"] [--ttl 720h] [--config FILE]`,
		"mint a bearer token, signed with IDCMD_JWT_SECRET", token},
	{"audit", "verify [--config FILE] [--export FILE|DIR]...",
		"walk the audit log's hash chain (IDCMD_DATA_DIR or IDCMD_STORE_URL) from its anchor and name the first broken record;\n" +
			"      with --export, also the export files of pruned records, from genesis to the anchor", audit},
	{"audit", "export [--config FILE] [--before TIME|--through-seq N] [--out FILE]",
		"write kept audit records as JSON lines, one record per line, each re-hashing to its hash", audit},
	{"audit", "prune --before TIME --export-dir DIR [--config FILE]",
		"export the records older than TIME (RFC 3339, or an age such as 2160h) to DIR, then delete them and move the anchor", audit},
	{"rules", "replay --since TIME [--until TIME] [--limit N] [--config FILE]",
		"print (JSON) what the configured rules would have done with the stored events of a range (TIME: RFC 3339, or an age such as 24h);\n" +
			"      nothing is queued, recorded or audited", rulesCmd},
	{"export", "xsoar [-o FILE]",
		"write the XSOAR integration file (unified YAML)", export},
	{"version", "", "print the version",
		func(_ []string, out io.Writer) error { return printVersion(out) }},
	{"help", "", "print this help", nil}, // run handles it: usage reads this list
}

// usage is idcmd --help: every subcommand with its arguments and summary.
func usage() string {
	var b strings.Builder
	b.WriteString("idcmd — identity response commands for SOC playbooks\n\nUsage:\n")
	for _, s := range subcommands {
		fmt.Fprintf(&b, "  %s\n      %s\n", strings.TrimSpace("idcmd "+s.name+" "+s.args), s.summary)
	}
	b.WriteString("\nEnvironment: IDCMD_JWT_SECRET, IDCMD_ADDR, IDCMD_DATA_DIR, OKTA_BASE_URL, OKTA_API_TOKEN,\n" +
		"PINGONE_ENVIRONMENT_ID, PINGONE_CLIENT_ID, PINGONE_CLIENT_SECRET, ... (see README.md).\n")
	return b.String()
}

func printVersion(out io.Writer) error {
	if build != "" {
		_, err := fmt.Fprintf(out, "idcmd %s (build %s)\n", version, build)
		return err
	}
	_, err := fmt.Fprintf(out, "idcmd %s\n", version)
	return err
}

// lookup finds a subcommand by name; --help, -h, --version and -v are
// aliases.
func lookup(name string) (subcommand, bool) {
	switch name {
	case "--help", "-h":
		name = "help"
	case "--version", "-v":
		name = "version"
	}
	for _, s := range subcommands {
		if s.name == name {
			return s, true
		}
	}
	return subcommand{}, false
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return 2
	}
	s, ok := lookup(args[0])
	if !ok {
		fmt.Fprintf(stderr, "idcmd: unknown subcommand %q\n\n%s", args[0], usage())
		return 2
	}
	if s.name == "help" {
		fmt.Fprint(stdout, usage())
		return 0
	}
	if err := s.run(args[1:], stdout); err != nil {
		fmt.Fprintln(stderr, "idcmd:", err)
		if errors.As(err, new(usageError)) {
			return 2 // a mistake in the command line, as flag's
		}
		return 1
	}
	return 0
}
