// Package catalog assembles every command idcmd offers: the single actions
// of package commands and the workflows built on them.
package catalog

import (
	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/workflows"
)

// New is the catalog of an idcmd whose workflows use s.
func New(s workflows.Settings) (*commands.Catalog, error) {
	return commands.NewCatalog(append(commands.Builtin.All(), workflows.Commands(s)...)...)
}

// Default is the catalog with the workflows' default settings. Every
// declaration (names, arguments, outputs) is the same whatever the
// settings, so the OpenAPI document, the XSOAR integration and the README
// are generated from it.
var Default = must(New(workflows.Defaults()))

func must(c *commands.Catalog, err error) *commands.Catalog {
	if err != nil {
		panic("catalog: " + err.Error())
	}
	return c
}
