package generate

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/idcmd/idcmd/catalog"
	"github.com/idcmd/idcmd/commands"
	"go.yaml.in/yaml/v3"
)

// xsoarDoc is the integration as XSOAR reads it, declared here rather than
// reusing the generator's types, so a field the generator names wrongly
// shows up as missing.
type xsoarDoc struct {
	CommonFields struct {
		ID      string `yaml:"id"`
		Version *int   `yaml:"version"`
	} `yaml:"commonfields"`
	Name                string   `yaml:"name"`
	Display             string   `yaml:"display"`
	Category            string   `yaml:"category"`
	Description         string   `yaml:"description"`
	DetailedDescription string   `yaml:"detaileddescription"`
	FromVersion         string   `yaml:"fromversion"`
	SectionOrder        []string `yaml:"sectionOrder"`
	Configuration       []struct {
		Name            string `yaml:"name"`
		Display         string `yaml:"display"`
		DisplayPassword string `yaml:"displaypassword"`
		Type            int    `yaml:"type"`
		Required        bool   `yaml:"required"`
		HiddenUsername  bool   `yaml:"hiddenusername"`
		DefaultValue    string `yaml:"defaultvalue"`
		Section         string `yaml:"section"`
	} `yaml:"configuration"`
	Script struct {
		Script      string `yaml:"script"`
		Type        string `yaml:"type"`
		Subtype     string `yaml:"subtype"`
		DockerImage string `yaml:"dockerimage"`
		Commands    []struct {
			Name        string `yaml:"name"`
			Description string `yaml:"description"`
			Execution   bool   `yaml:"execution"`
			Arguments   []struct {
				Name         string   `yaml:"name"`
				Description  string   `yaml:"description"`
				Required     bool     `yaml:"required"`
				Default      bool     `yaml:"default"`
				IsArray      bool     `yaml:"isArray"`
				Auto         string   `yaml:"auto"`
				Predefined   []string `yaml:"predefined"`
				DefaultValue string   `yaml:"defaultValue"`
			} `yaml:"arguments"`
			Outputs []struct {
				ContextPath string `yaml:"contextPath"`
				Description string `yaml:"description"`
				Type        string `yaml:"type"`
			} `yaml:"outputs"`
		} `yaml:"commands"`
	} `yaml:"script"`
}

func xsoarYAML(t *testing.T) []byte {
	t.Helper()
	return xsoarYAMLWith(t, XSOAROptions{Version: "1.2.3-test"})
}

func xsoarYAMLWith(t *testing.T, opts XSOAROptions) []byte {
	t.Helper()
	b, err := XSOARIntegration(catalog.Default, opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseXsoar(t *testing.T, b []byte) xsoarDoc {
	t.Helper()
	var doc xsoarDoc
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("the integration is not YAML: %v", err)
	}
	return doc
}

// TestXsoarIntegrationHasRequiredFields checks the fields XSOAR needs to
// install the integration and show its commands.
func TestXsoarIntegrationHasRequiredFields(t *testing.T) {
	doc := parseXsoar(t, xsoarYAML(t))

	if doc.CommonFields.ID != "idcmd" || doc.CommonFields.Version == nil || *doc.CommonFields.Version != -1 {
		t.Errorf("commonfields = %+v, want id idcmd and version -1", doc.CommonFields)
	}
	for field, v := range map[string]string{
		"name": doc.Name, "display": doc.Display, "category": doc.Category, "description": doc.Description,
		"detaileddescription": doc.DetailedDescription, "fromversion": doc.FromVersion,
	} {
		if strings.TrimSpace(v) == "" {
			t.Errorf("%s is empty", field)
		}
	}
	if doc.Category != "Authentication & Identity Management" {
		t.Errorf("category = %q", doc.Category)
	}
	if !strings.Contains(doc.DetailedDescription, "idcmd token --subject xsoar") {
		t.Error("detaileddescription does not say how to mint the token")
	}

	params := map[string]int{}
	for i, p := range doc.Configuration {
		if p.Name == "" {
			t.Errorf("configuration[%d] has no name", i)
		}
		if _, dup := params[p.Name]; dup {
			t.Errorf("configuration %q declared twice", p.Name)
		}
		params[p.Name] = i
		if !slices.Contains([]int{0, 4, 8, 9, 12, 13, 14, 15, 16}, p.Type) {
			t.Errorf("configuration %q has type %d, not an XSOAR parameter type", p.Name, p.Type)
		}
		if len(doc.SectionOrder) > 0 && !slices.Contains(doc.SectionOrder, p.Section) {
			t.Errorf("configuration %q is in section %q, not one of %v", p.Name, p.Section, doc.SectionOrder)
		}
	}
	param := func(name string, typ int) {
		t.Helper()
		i, ok := params[name]
		if !ok {
			t.Errorf("configuration lacks %q", name)
			return
		}
		if got := doc.Configuration[i].Type; got != typ {
			t.Errorf("configuration %q has type %d, want %d", name, got, typ)
		}
	}
	param("url", 0)
	param("credentials", 9)
	param("insecure", 8)
	param("proxy", 8)
	param("timeout", 0)
	if i, ok := params["url"]; ok && !doc.Configuration[i].Required {
		t.Error("url is not required")
	}
	if i, ok := params["credentials"]; ok {
		c := doc.Configuration[i]
		if !c.Required || !c.HiddenUsername || c.DisplayPassword == "" {
			t.Errorf("credentials = %+v, want a required token: hiddenusername and a displaypassword", c)
		}
	}

	s := doc.Script
	if s.Type != "python" || s.Subtype != "python3" || !strings.HasPrefix(s.DockerImage, "demisto/python3:") {
		t.Errorf("script type/subtype/dockerimage = %q/%q/%q, want python/python3/demisto/python3:<tag>", s.Type, s.Subtype, s.DockerImage)
	}
	if !strings.Contains(s.Script, "def main():") || !strings.Contains(s.Script, `VERSION = "1.2.3-test"`) {
		t.Error("script is not the embedded script with its version filled in")
	}
	if strings.Contains(s.Script, xsoarArgsLine) {
		t.Error("script still has the empty ARGS marker")
	}

	contextTypes := []string{"String", "Number", "Date", "Boolean", "Unknown"}
	for _, c := range s.Commands {
		if c.Name == "" || strings.TrimSpace(c.Description) == "" {
			t.Errorf("command %q has no name or description", c.Name)
		}
		defaults := 0
		for _, a := range c.Arguments {
			if a.Name == "" || strings.TrimSpace(a.Description) == "" {
				t.Errorf("%s: argument %q has no name or description", c.Name, a.Name)
			}
			if (a.Auto == "PREDEFINED") != (len(a.Predefined) > 0) {
				t.Errorf("%s %s: auto %q with predefined %v", c.Name, a.Name, a.Auto, a.Predefined)
			}
			if a.Default {
				defaults++
			}
		}
		if defaults > 1 {
			t.Errorf("%s has %d default arguments, XSOAR allows one", c.Name, defaults)
		}
		paths := map[string]bool{}
		for _, o := range c.Outputs {
			if o.ContextPath == "" || strings.TrimSpace(o.Description) == "" {
				t.Errorf("%s: output %q has no context path or description", c.Name, o.ContextPath)
			}
			if !slices.Contains(contextTypes, o.Type) {
				t.Errorf("%s: output %s has type %q, not one of %v", c.Name, o.ContextPath, o.Type, contextTypes)
			}
			if paths[o.ContextPath] {
				t.Errorf("%s: output %s listed twice", c.Name, o.ContextPath)
			}
			paths[o.ContextPath] = true
		}
	}
}

// TestXsoarIntegrationMatchesCatalog fails when a catalog command, argument
// or output is missing from the integration, or differs from it.
func TestXsoarIntegrationMatchesCatalog(t *testing.T) {
	doc := parseXsoar(t, xsoarYAML(t))

	var want, got []string
	for _, cmd := range catalog.Default.All() {
		want = append(want, cmd.Info().Name)
	}
	for _, c := range doc.Script.Commands {
		got = append(got, c.Name)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("integration commands differ from the catalog (-catalog +integration):\n%s", diff)
	}

	for i, cmd := range catalog.Default.All() {
		d, c := commands.Describe(cmd), doc.Script.Commands[i]
		if c.Execution != d.Risk.ChangesState() {
			t.Errorf("%s (risk %s): execution = %v", d.Name, d.Risk, c.Execution)
		}
		if len(c.Arguments) != len(d.Arguments) {
			t.Errorf("%s: %d arguments, catalog has %d", d.Name, len(c.Arguments), len(d.Arguments))
			continue
		}
		for j, a := range d.Arguments {
			x := c.Arguments[j]
			predefined := a.Enum
			if a.Type == "boolean" {
				predefined = []string{"true", "false"}
			}
			if x.Name != a.Name || x.Required != a.Required || x.IsArray != (a.Type == "array") ||
				x.DefaultValue != a.Default || !slices.Equal(x.Predefined, predefined) {
				t.Errorf("%s: argument %+v does not match the catalog's %+v", d.Name, x, a)
			}
		}

		outputs := map[string]string{}
		for _, o := range c.Outputs {
			outputs[o.ContextPath] = o.Type
		}
		for _, o := range d.Outputs {
			if typ, ok := outputs[o.Path]; !ok || typ != o.Type {
				t.Errorf("%s: output %s (%s) is missing or has type %q", d.Name, o.Path, o.Type, typ)
			}
		}
		if _, held := outputs["IDCMD.Approval.id"]; held != d.Risk.ChangesState() {
			t.Errorf("%s (risk %s): approval outputs present = %v", d.Name, d.Risk, held)
		}
	}
}

// TestXsoarApprovalOutputsMatchPendingApproval keeps the declared
// IDCMD.Approval paths in step with the 202 body's approval object.
func TestXsoarApprovalOutputsMatchPendingApproval(t *testing.T) {
	var want, got []string
	typ := reflect.TypeFor[commands.PendingApproval]()
	for i := range typ.NumField() {
		want = append(want, "IDCMD.Approval."+strings.Split(typ.Field(i).Tag.Get("json"), ",")[0])
	}
	for _, o := range approvalOutputs {
		got = append(got, o.Path)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("approvalOutputs differ from commands.PendingApproval (-want +got):\n%s", diff)
	}
}

func TestXsoarIntegrationIsDeterministic(t *testing.T) {
	if a, b := xsoarYAML(t), xsoarYAML(t); !bytes.Equal(a, b) {
		t.Error("two runs on the same catalog differ")
	}
}

func python(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH")
	}
	return py
}

// TestXsoarScriptIsPython parses both the embedded file and the script as
// generated, with its ARGS table filled in.
func TestXsoarScriptIsPython(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	for name, src := range map[string]string{
		"embedded.py":  xsoarScript,
		"generated.py": parseXsoar(t, xsoarYAML(t)).Script.Script,
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(py, "-c", "import ast,sys; ast.parse(open(sys.argv[1]).read())", path).CombinedOutput()
		if err != nil {
			t.Errorf("%s is not valid Python 3: %v\n%s", name, err, out)
		}
	}
}

// TestXsoarHumanize covers the fallback descriptions of undocumented
// arguments and outputs.
func TestXsoarHumanize(t *testing.T) {
	for name, want := range map[string]string{
		"send_email":        "Send email",
		"MFAEnabled":        "MFA enabled",
		"actor_alternateId": "Actor alternate ID",
		"client_ipAddress":  "Client IP address",
		"User_LastLogin":    "User last login",
		"App_LinkURL":       "App link URL",
		"Session_OS":        "Session OS",
		"ID":                "ID",
	} {
		if got := humanize(name); got != want {
			t.Errorf("humanize(%q) = %q, want %q", name, got, want)
		}
	}
}
