package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// TestHelpListsEverySubcommand: --help names every subcommand run
// dispatches, and every subcommand it names runs.
func TestHelpListsEverySubcommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--help"}, &stdout, &stderr); code != 0 {
		t.Fatalf("--help exit %d: %s", code, stderr.String())
	}
	help := stdout.String()
	for _, want := range []string{"idcmd serve", "idcmd token", "idcmd audit verify", "idcmd audit export", "idcmd audit prune", "idcmd export xsoar", "idcmd version", "idcmd help"} {
		if !strings.Contains(help, want) {
			t.Errorf("--help lacks %q:\n%s", want, help)
		}
	}
	for _, s := range subcommands {
		if !strings.Contains(help, "  idcmd "+s.name) {
			t.Errorf("--help lacks subcommand %s", s.name)
		}
	}
	var unknown bytes.Buffer
	if code := run([]string{"frobnicate"}, io.Discard, &unknown); code != 2 || !strings.Contains(unknown.String(), "idcmd audit verify") {
		t.Errorf("unknown subcommand: exit %d, %q", code, unknown.String())
	}
}

// TestVersionIsTheReleaseVersion: idcmd version prints the version the
// OpenAPI document and the XSOAR integration carry, with the build, if
// any, beside it.
func TestVersionIsTheReleaseVersion(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"version"}, &out, io.Discard); code != 0 || out.String() != "idcmd "+version+"\n" {
		t.Errorf("idcmd version: %d %q", code, out.String())
	}
	build = "v1.0.0-3-gabc1234"
	defer func() { build = "" }()
	out.Reset()
	run([]string{"--version"}, &out, io.Discard)
	if out.String() != "idcmd "+version+" (build v1.0.0-3-gabc1234)\n" {
		t.Errorf("idcmd --version with a build: %q", out.String())
	}
}
