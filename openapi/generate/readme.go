package generate

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/idcmd/idcmd/commands"
)

// README markers around the generated command table.
const (
	ReadmeBegin = "<!-- BEGIN GENERATED COMMANDS: make generate rewrites this table -->"
	ReadmeEnd   = "<!-- END GENERATED COMMANDS -->"
)

// CommandTable renders the README's command table from the catalog.
func CommandTable(cat *commands.Catalog) string {
	var b strings.Builder
	b.WriteString("| Command | Provider | Risk | Arguments (* required) | Summary |\n")
	b.WriteString("|---|---|---|---|---|\n")
	for _, cmd := range cat.All() {
		d := commands.Describe(cmd)
		args := make([]string, 0, len(d.Arguments))
		for _, a := range d.Arguments {
			n := "`" + a.Name + "`"
			if a.Required {
				n += "*"
			}
			args = append(args, n)
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", d.Name, d.Provider, d.Risk, strings.Join(args, ", "), d.Summary)
	}
	return b.String()
}

// Readme returns readme with the table between the markers replaced.
func Readme(readme []byte, cat *commands.Catalog) ([]byte, error) {
	begin := bytes.Index(readme, []byte(ReadmeBegin))
	end := bytes.Index(readme, []byte(ReadmeEnd))
	if begin < 0 || end < begin {
		return nil, errors.New("README.md lacks the generated-commands markers")
	}
	var out bytes.Buffer
	out.Write(readme[:begin+len(ReadmeBegin)])
	out.WriteString("\n")
	out.WriteString(CommandTable(cat))
	out.Write(readme[end:])
	return out.Bytes(), nil
}
