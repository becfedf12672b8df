// Command idcmd is the identity response server. main only wires: it reads
// configuration, builds provider clients, the Invoker and the Echo server.
//
//	idcmd serve [--config FILE] [--addr HOST:PORT] [--sandbox]
//	idcmd token --subject NAME [--scope "commands:read commands:write"] [--ttl 720h]
//	idcmd audit verify [--config FILE]
//	idcmd export xsoar [-o FILE]
//	idcmd version
package main

import (
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `idcmd — identity response commands for SOC playbooks

Usage:
  idcmd serve   [--config FILE] [--addr HOST:PORT] [--sandbox]
  idcmd token   --subject NAME [--scope "commands:read commands:write"] [--ttl 720h] [--config FILE]
  idcmd version

Environment: IDCMD_JWT_SECRET, IDCMD_ADDR, OKTA_BASE_URL, OKTA_API_TOKEN (see README).
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "token":
		err = token(os.Args[2:], os.Stdout)
	case "audit":
		err = audit(os.Args[2:], os.Stdout)
	case "export":
		err = export(os.Args[2:], os.Stdout)
	case "version", "--version", "-v":
		fmt.Println("idcmd", version)
	case "help", "--help", "-h":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "idcmd: unknown subcommand %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "idcmd:", err)
		os.Exit(1)
	}
}
