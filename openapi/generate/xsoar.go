package generate

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/idcmd/idcmd/commands"
	"go.yaml.in/yaml/v3"
)

// xsoarScript is the integration's Python code. It is generic: everything
// command-specific comes from the catalog, injected by XSOARIntegration in
// place of the two marker lines below, so the script never needs editing
// when a command is added.
//
//go:embed xsoar_script.py
var xsoarScript string

// Marker lines in xsoar_script.py. They are valid Python on their own, so
// the file can be linted and parsed as it is.
const (
	xsoarVersionLine = "VERSION = 'dev'"
	xsoarPrefixLine  = "PREFIX = ''"
	xsoarArgsLine    = "ARGS: dict[str, dict[str, str]] = {}"
)

// CommittedVersion is the version the committed integration file
// (openapi/xsoar_integration.yml, make generate) carries: idcmd's release
// version, openapi.Version, which this package cannot import (openapi
// imports it). openapi's TestOneVersion fails when the two differ. A binary
// of another version stamps its own into the file it hands out, so the file
// XSOAR gets names the idcmd that served it.
const CommittedVersion = "1.0.0"

// XSOAROptions are the choices of one rendering of the integration.
type XSOAROptions struct {
	// Version is idcmd's version, stamped into the description and the
	// script's User-Agent: the binary's own when idcmd hands the file out.
	Version string
	// Prefix goes before every command name (idcmd-okta-suspend-user), so
	// the integration can sit next to XSOAR's Okta v2 and PingOne packs,
	// whose commands have the same names but other arguments. The script
	// strips it again to call idcmd's command. Empty keeps idcmd's names.
	Prefix string
}

// validPrefix is what XSOAR allows at the start of a command name, ending in
// a hyphen so the result reads as one name: idcmd-okta-get-user.
var validPrefix = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*-$`)

// ErrBadPrefix is the error of a prefix that would not make valid XSOAR
// command names.
var ErrBadPrefix = errors.New("the prefix must be lowercase letters, digits and hyphens, start with a letter and end with a hyphen, such as idcmd-")

// XSOAR integration settings that are not derived from the catalog.
const (
	// xsoarDockerImage is the image XSOAR runs the script in: the plain
	// Python 3 image, as the script needs nothing beyond CommonServerPython.
	xsoarDockerImage = "demisto/python3:3.11.10.116949"
	// xsoarFromVersion is the oldest XSOAR the integration declares, the
	// same as HttpV2's, the HTTP block it replaces in playbooks.
	xsoarFromVersion = "6.5.0"
	// xsoarTimeout is the default client timeout in seconds: longer than
	// idcmd's own 30 s request deadline, so a slow provider comes back as
	// idcmd's 504 problem rather than a bare client timeout.
	xsoarTimeout = "40"
)

// approvalOutputs are the context paths of a held call (HTTP 202), which
// the script stores under IDCMD.Approval keyed by id. They mirror
// commands.PendingApproval; a test keeps the two in step.
var approvalOutputs = []commands.Output{
	{Path: "IDCMD.Approval.id", Type: "String", Description: "Approval id, when the call was held for a second person's approval (nothing was done yet)."},
	{Path: "IDCMD.Approval.status", Type: "String", Description: "Approval status: pending until decided, then approved, rejected, expired, cancelled, executed or failed."},
	{Path: "IDCMD.Approval.status_url", Type: "String", Description: "idcmd path to poll the approval."},
	{Path: "IDCMD.Approval.expires_at", Type: "Date", Description: "When the pending approval expires."},
}

// cursorOutputs are where the script stores next_cursor of a paged command,
// keyed by command, so a playbook can loop until it is empty.
var cursorOutputs = []commands.Output{
	{Path: "IDCMD.NextCursor.command", Type: "String", Description: "The paged command, as this integration names it."},
	{Path: "IDCMD.NextCursor.cursor", Type: "String", Description: "Pass it as the cursor argument to fetch the next page; empty when there are no more."},
}

// The YAML shape of a unified XSOAR integration (content-docs
// integrations/yaml-file.md). Field order is the output order, and follows
// the content repository's integrations so a diff against one reads easily.
type (
	xsoarIntegration struct {
		CommonFields        xsoarCommonFields `yaml:"commonfields"`
		Name                string            `yaml:"name"`
		Display             string            `yaml:"display"`
		Category            string            `yaml:"category"`
		Description         string            `yaml:"description"`
		DetailedDescription string            `yaml:"detaileddescription"`
		SectionOrder        []string          `yaml:"sectionOrder"`
		Configuration       []xsoarParam      `yaml:"configuration"`
		Script              xsoarScriptBlock  `yaml:"script"`
		FromVersion         string            `yaml:"fromversion"`
	}
	xsoarCommonFields struct {
		ID      string `yaml:"id"`
		Version int    `yaml:"version"`
	}
	// xsoarParam is one instance setting. Type codes: 0 short text, 4
	// encrypted, 8 checkbox, 9 credentials.
	xsoarParam struct {
		Display         string `yaml:"display"`
		DisplayPassword string `yaml:"displaypassword,omitempty"`
		Name            string `yaml:"name"`
		Type            int    `yaml:"type"`
		Required        bool   `yaml:"required"`
		HiddenUsername  bool   `yaml:"hiddenusername,omitempty"`
		DefaultValue    string `yaml:"defaultvalue,omitempty"`
		AdditionalInfo  string `yaml:"additionalinfo,omitempty"`
		Section         string `yaml:"section,omitempty"`
		Advanced        bool   `yaml:"advanced,omitempty"`
	}
	xsoarScriptBlock struct {
		Script      string         `yaml:"script"`
		Type        string         `yaml:"type"`
		Subtype     string         `yaml:"subtype"`
		DockerImage string         `yaml:"dockerimage"`
		RunOnce     bool           `yaml:"runonce"`
		Commands    []xsoarCommand `yaml:"commands"`
	}
	xsoarCommand struct {
		Name        string          `yaml:"name"`
		Description string          `yaml:"description"`
		Execution   bool            `yaml:"execution,omitempty"`
		Arguments   []xsoarArgument `yaml:"arguments"`
		Outputs     []xsoarOutput   `yaml:"outputs,omitempty"`
	}
	xsoarArgument struct {
		Name         string   `yaml:"name"`
		Description  string   `yaml:"description"`
		Required     bool     `yaml:"required"`
		Default      bool     `yaml:"default,omitempty"`
		IsArray      bool     `yaml:"isArray,omitempty"`
		Auto         string   `yaml:"auto,omitempty"`
		Predefined   []string `yaml:"predefined,omitempty"`
		DefaultValue string   `yaml:"defaultValue,omitempty"`
	}
	xsoarOutput struct {
		ContextPath string `yaml:"contextPath"`
		Description string `yaml:"description"`
		Type        string `yaml:"type"`
	}
)

const xsoarDetailedDescription = `## idcmd
Each command of this integration is one call to your idcmd server
(POST /api/v1/commands/{name}). idcmd validates the arguments, runs the action in Okta or
PingOne, records it in its audit log, and answers with the outputs that land in context.

### Token
Mint a bearer token for XSOAR on the idcmd host and paste it as the API token:

    IDCMD_JWT_SECRET=... idcmd token --subject xsoar --scope "commands:read commands:write"

The default lifetime is 30 days (--ttl 720h); mint a new one before it expires. A token
with commands:read alone can run only the read-only commands. Test checks the URL and the
token by listing idcmd's commands.

### Incident context
When a command runs inside an incident, its id and the war room are sent along, and idcmd
records them in its audit log. The command's own war-room entry is the result: idcmd writes
nothing more into the incident for calls from this integration.

### Approvals
idcmd's policy may hold a state-changing command for a second person's approval. The
command then does nothing yet: it answers "held for approval" and stores the approval under
IDCMD.Approval; approve it in idcmd (POST /api/v1/approvals/{id}/approve).

### Paging
Commands with a cursor argument store the next page's cursor under IDCMD.NextCursor (keyed
by command); it is empty when there are no more results. The war room shows the command that
fetches the next page.

### Next to the Okta v2 and PingOne integrations
Their commands have the same names as idcmd's but other arguments, and XSOAR runs a command
in every enabled integration that has it. Add using=<instance name> to pick one instance
(!okta-suspend-user user=jdoe@example.com using=idcmd_instance_1), or install the
integration exported with idcmd export xsoar --prefix idcmd-, whose commands are named
idcmd-okta-suspend-user and so on.
`

// XSOARIntegration renders the unified XSOAR integration for cat: the
// instance settings, the embedded Python script, and every command with its
// arguments and context outputs. The output depends only on its inputs, so
// make generate and the staleness test agree byte for byte.
func XSOARIntegration(cat *commands.Catalog, opts XSOAROptions) ([]byte, error) {
	if opts.Version == "" {
		return nil, errors.New("xsoar: empty version")
	}
	if opts.Prefix != "" && !validPrefix.MatchString(opts.Prefix) {
		return nil, fmt.Errorf("xsoar: prefix %q: %w", opts.Prefix, ErrBadPrefix)
	}
	version := opts.Version
	script, err := xsoarPython(cat, opts)
	if err != nil {
		return nil, err
	}
	in := xsoarIntegration{
		CommonFields: xsoarCommonFields{ID: "idcmd", Version: -1},
		Name:         "idcmd",
		Display:      "idcmd",
		Category:     "Authentication & Identity Management",
		Description: "Identity response for Okta and PingOne through an idcmd server: look users up, " +
			"suspend, lock, end sessions, reset passwords, and pull events and risk, with every action " +
			"audited with its incident. Generated by idcmd " + version + ".",
		DetailedDescription: xsoarDetailedDescription,
		SectionOrder:        []string{"Connect"},
		Configuration:       xsoarConfiguration(),
		Script: xsoarScriptBlock{
			Script:      script,
			Type:        "python",
			Subtype:     "python3",
			DockerImage: xsoarDockerImage,
		},
		FromVersion: xsoarFromVersion,
	}
	for _, cmd := range cat.All() {
		c := xsoarCommandOf(commands.Describe(cmd))
		c.Name = opts.Prefix + c.Name
		in.Script.Commands = append(in.Script.Commands, c)
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(in); err != nil {
		return nil, fmt.Errorf("xsoar: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("xsoar: %w", err)
	}
	return out.Bytes(), nil
}

// xsoarConfiguration is the instance settings. The token is a type 9
// credential with a hidden username, as Okta v2 stores its API token: unlike
// a type 4 encrypted field, an admin can also pick it from XSOAR's
// credentials store instead of pasting it into each instance.
func xsoarConfiguration() []xsoarParam {
	return []xsoarParam{
		{
			Display: "idcmd URL (e.g. https://idcmd.internal:8080)", Name: "url", Type: 0, Required: true,
			Section: "Connect",
		},
		{
			Name: "credentials", Type: 9, Required: true, HiddenUsername: true, DisplayPassword: "API token",
			AdditionalInfo: `Bearer token from: idcmd token --subject xsoar --scope "commands:read commands:write"`,
			Section:        "Connect",
		},
		{Display: "Trust any certificate (not secure)", Name: "insecure", Type: 8, Section: "Connect", Advanced: true},
		{Display: "Use system proxy settings", Name: "proxy", Type: 8, Section: "Connect", Advanced: true},
		{
			Display: "Timeout (seconds)", Name: "timeout", Type: 0, DefaultValue: xsoarTimeout,
			AdditionalInfo: "How long to wait for idcmd. Keep it above idcmd's request timeout (30 s by default).",
			Section:        "Connect", Advanced: true,
		},
	}
}

// xsoarCommandOf turns a catalog entry into an integration command.
func xsoarCommandOf(d commands.Description) xsoarCommand {
	c := xsoarCommand{
		Name:        d.Name,
		Description: xsoarCommandDescription(d),
		// execution marks potentially harmful commands: XSOAR asks before a
		// person runs one from the war room.
		Execution: d.Risk.ChangesState(),
		Arguments: []xsoarArgument{},
	}
	paged := false
	for _, a := range d.Arguments {
		c.Arguments = append(c.Arguments, xsoarArgumentOf(a))
		paged = paged || a.Name == "cursor"
	}
	for _, o := range d.Outputs {
		c.Outputs = append(c.Outputs, xsoarOutputOf(o))
	}
	if paged {
		for _, o := range cursorOutputs {
			c.Outputs = append(c.Outputs, xsoarOutputOf(o))
		}
	}
	if d.Risk.ChangesState() {
		for _, o := range approvalOutputs {
			c.Outputs = append(c.Outputs, xsoarOutputOf(o))
		}
	}
	return c
}

// xsoarCommandDescription is the summary and what the command may do, so a
// responder knows before running it which scope it needs and that it may
// only be queued for approval.
func xsoarCommandDescription(d commands.Description) string {
	s := strings.TrimSuffix(d.Summary, ".") + "."
	switch d.Risk {
	case commands.Read:
		s += " Read-only (needs commands:read)."
	case commands.Write:
		s += " Changes state (needs commands:write); idcmd may hold it for approval."
	case commands.Destructive:
		s += " Destructive: cannot be undone by another command (needs commands:write); idcmd may hold it for approval."
	}
	return s
}

// xsoarArgumentOf describes one argument the way the war room shows it:
// enumerations and booleans become pick lists, and the user argument is
// the default one, so "!okta-suspend-user jdoe@example.com" works too.
func xsoarArgumentOf(a commands.Argument) xsoarArgument {
	x := xsoarArgument{
		Name:         a.Name,
		Description:  xsoarArgumentDescription(a),
		Required:     a.Required,
		Default:      a.Name == "user",
		IsArray:      a.Type == "array",
		DefaultValue: a.Default,
	}
	switch {
	case len(a.Enum) > 0:
		x.Auto, x.Predefined = "PREDEFINED", a.Enum
	case a.Type == "boolean":
		x.Auto, x.Predefined = "PREDEFINED", []string{"true", "false"}
	}
	return x
}

// xsoarArgumentDescription is the argument's doc comment, or its name in
// words when it has none (XSOAR requires a description). Arrays say how to
// pass several values, which the war room cannot show otherwise.
func xsoarArgumentDescription(a commands.Argument) string {
	s := strings.TrimSpace(a.Description)
	if s == "" {
		s = humanize(a.Name) + "."
	}
	if a.Type == "array" {
		s += " Comma-separated"
		if a.Max != "" {
			s += ", at most " + a.Max + " values"
		}
		s += "."
	}
	return s
}

func xsoarOutputOf(o commands.Output) xsoarOutput {
	desc := strings.TrimSpace(o.Description)
	if desc == "" {
		// The object and the field, Okta.User.LastLogin → "User last login.",
		// unless the field repeats the object (App.AppInstanceID).
		segs := strings.Split(o.Path, ".")
		field := segs[len(segs)-1]
		if len(segs) > 1 {
			object := strings.TrimSuffix(segs[len(segs)-2], "s")
			if !strings.HasPrefix(strings.ToLower(field), strings.ToLower(object)) {
				field = object + "_" + field
			}
		}
		desc = humanize(field) + "."
	}
	return xsoarOutput{ContextPath: o.Path, Description: desc, Type: o.Type}
}

// acronyms are written in capitals whatever the field name's case.
var acronyms = map[string]bool{"id": true, "ip": true, "mfa": true, "os": true, "url": true, "uuid": true}

// humanize turns an argument or context field name into words for a
// fallback description: send_email → "Send email", MFAEnabled → "MFA
// enabled", actor_alternateId → "Actor alternate ID".
func humanize(name string) string {
	var words []string
	for _, part := range strings.Split(name, "_") {
		start := 0
		for i := 1; i < len(part); i++ {
			// A word starts at an upper-case letter after a lower-case one
			// (lastLogin), or before a lower-case one after a run of
			// capitals (MFAEnabled).
			if isUpper(part[i]) && (!isUpper(part[i-1]) || i+1 < len(part) && !isUpper(part[i+1])) {
				words = append(words, part[start:i])
				start = i
			}
		}
		words = append(words, part[start:])
	}
	for i, w := range words {
		switch {
		case acronyms[strings.ToLower(w)]:
			w = strings.ToUpper(w)
		case w != strings.ToUpper(w): // keep other all-capital words
			w = strings.ToLower(w)
		}
		if i == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		words[i] = w
	}
	return strings.Join(words, " ")
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// xsoarPython fills the script's marker lines: the version, the command
// prefix, and ARGS, the argument names and types of every command under
// idcmd's name. The script sends only declared arguments (idcmd rejects
// unknown fields, and XSOAR may pass its own) and converts each to the JSON
// type idcmd expects, since the war room hands every value over as a string.
func xsoarPython(cat *commands.Catalog, opts XSOAROptions) (string, error) {
	var args strings.Builder
	args.WriteString("ARGS: dict[str, dict[str, str]] = {\n")
	for _, cmd := range cat.All() {
		d := commands.Describe(cmd)
		// Declaration order, which is also the order of the YAML arguments.
		types := make([]string, 0, len(d.Arguments))
		for _, a := range d.Arguments {
			types = append(types, pyString(a.Name)+": "+pyString(a.Type))
		}
		fmt.Fprintf(&args, "    %s: {%s},\n", pyString(d.Name), strings.Join(types, ", "))
	}
	args.WriteString("}")

	script := xsoarScript
	for _, r := range []struct{ marker, repl string }{
		{xsoarVersionLine, "VERSION = " + pyString(opts.Version)},
		{xsoarPrefixLine, "PREFIX = " + pyString(opts.Prefix)},
		{xsoarArgsLine, args.String()},
	} {
		if n := strings.Count(script, "\n"+r.marker+"\n"); n != 1 {
			return "", fmt.Errorf("xsoar: xsoar_script.py has %d lines %q, want 1", n, r.marker)
		}
		script = strings.Replace(script, "\n"+r.marker+"\n", "\n"+r.repl+"\n", 1)
	}
	return script, nil
}

// pyString quotes s as a Python string literal: a JSON string is one.
func pyString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}
