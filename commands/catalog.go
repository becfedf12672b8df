package commands

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
)

// Catalog is the set of declared commands, looked up by name.
type Catalog struct {
	byName map[string]Command
	sorted []Command
}

var (
	commandName = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)+$`)
	argName     = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
)

// reservedArgs are body fields the HTTP contract owns; a command may not
// declare them as its own arguments.
var reservedArgs = map[string]bool{"incident": true}

// NewCatalog checks every declaration and returns the catalog, or the first
// problem found.
func NewCatalog(cmds ...Command) (*Catalog, error) {
	c := &Catalog{byName: make(map[string]Command, len(cmds))}
	for _, cmd := range cmds {
		info := cmd.Info()
		if err := checkDeclaration(info); err != nil {
			return nil, err
		}
		if _, dup := c.byName[info.Name]; dup {
			return nil, fmt.Errorf("command %q declared twice", info.Name)
		}
		c.byName[info.Name] = cmd
		c.sorted = append(c.sorted, cmd)
	}
	sort.Slice(c.sorted, func(i, j int) bool { return c.sorted[i].Info().Name < c.sorted[j].Info().Name })
	return c, nil
}

// MustCatalog is NewCatalog that panics: a bad declaration fails at start-up
// and in go test, never on a request.
func MustCatalog(cmds ...Command) *Catalog {
	c, err := NewCatalog(cmds...)
	if err != nil {
		panic("commands: " + err.Error())
	}
	return c
}

// Lookup returns the named command.
func (c *Catalog) Lookup(name string) (Command, bool) {
	cmd, ok := c.byName[name]
	return cmd, ok
}

// All returns every command, sorted by name.
func (c *Catalog) All() []Command { return c.sorted }

func checkDeclaration(info Info) error {
	name := info.Name
	if !commandName.MatchString(name) {
		return fmt.Errorf("command name %q is not kebab-case vendor-object-action", name)
	}
	if strings.TrimSpace(info.Summary) == "" {
		return fmt.Errorf("command %q has no summary", name)
	}
	switch info.Provider {
	case Okta, PingOne, Prisma:
		if !strings.HasPrefix(name, string(info.Provider)+"-") {
			return fmt.Errorf("command %q of provider %s must start with %q", name, info.Provider, string(info.Provider)+"-")
		}
	case Neutral:
		for _, p := range []Provider{Okta, PingOne, Prisma} {
			if strings.HasPrefix(name, string(p)+"-") {
				return fmt.Errorf("provider-neutral command %q must not carry a vendor prefix", name)
			}
		}
	default:
		return fmt.Errorf("command %q has unknown provider %q", name, info.Provider)
	}
	switch info.Risk {
	case Read, Write, Destructive:
	case "":
		return fmt.Errorf("command %q has no risk level", name)
	default:
		return fmt.Errorf("command %q has unknown risk %q", name, info.Risk)
	}
	if info.Context.Prefix == "" || info.Context.Key == "" {
		return fmt.Errorf("command %q has no XSOAR context prefix and key", name)
	}
	if info.ArgsType.Kind() != reflect.Struct {
		return fmt.Errorf("command %q: arguments must be a struct, not %s", name, info.ArgsType)
	}
	if err := checkArgFields(name, info.ArgsType); err != nil {
		return err
	}
	switch {
	case count(info.Runs, info.Delegates, info.Workflow) != 1:
		return fmt.Errorf("command %q must declare exactly one of Run, Delegate and Workflow", name)
	case (info.Delegates || info.Workflow) && info.Provider != Neutral:
		return fmt.Errorf("command %q: only provider-neutral commands delegate or run workflows", name)
	case info.Provider == Neutral && info.Risk.ChangesState() && info.Runs:
		// The approval gate judges the provider command a call runs; a
		// neutral command that acted itself would reach the provider under
		// a name no policy holds.
		return fmt.Errorf("provider-neutral command %q changes state, so it must Delegate to provider commands or run them as Workflow steps", name)
	}
	return nil
}

// checkArgFields requires every argument to carry a snake_case json name, so
// XSOAR argument names and the OpenAPI schema come out right.
func checkArgFields(cmd string, t reflect.Type) error {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if err := checkArgFields(cmd, f.Type); err != nil {
				return err
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		if tag == "" || tag == "-" {
			return fmt.Errorf("command %q: argument field %s has no json name", cmd, f.Name)
		}
		if !argName.MatchString(tag) {
			return fmt.Errorf("command %q: argument %q is not snake_case", cmd, tag)
		}
		if reservedArgs[tag] {
			return fmt.Errorf("command %q: argument name %q is reserved", cmd, tag)
		}
	}
	return nil
}

// count is how many of flags are set.
func count(flags ...bool) int {
	n := 0
	for _, f := range flags {
		if f {
			n++
		}
	}
	return n
}
