package generate

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/idcmd/idcmd/catalog"
	"github.com/idcmd/idcmd/commands"
)

const root = "../.."

// TestGeneratedFilesAreFresh rebuilds every generated file in memory (swag
// into a temporary directory) and fails when a committed one differs: run
// make generate and commit the result.
func TestGeneratedFilesAreFresh(t *testing.T) {
	docs, err := FieldDocs(root)
	if err != nil {
		t.Fatal(err)
	}
	stubs, err := Stubs(catalog.Default)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	freshReadme, err := Readme(readme, catalog.Default)
	if err != nil {
		t.Fatal(err)
	}
	integration, err := XSOARIntegration(catalog.Default, XSOAROptions{Version: CommittedVersion})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{
		"openapi/xsoar_integration.yml": integration,
		"commands/fielddocs_gen.go":     docs,
		"openapi/stubs_gen.go":          stubs,
		"README.md":                     freshReadme,
	}
	// swag reads the committed stubs, so it only runs when they are fresh.
	if committed, _ := os.ReadFile(filepath.Join(root, "openapi/stubs_gen.go")); bytes.Equal(committed, stubs) {
		out := t.TempDir()
		if err := Swag(root, out); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"swagger.json", "swagger.yaml"} {
			b, err := os.ReadFile(filepath.Join(out, f))
			if err != nil {
				t.Fatal(err)
			}
			want["openapi/"+f] = b
		}
	}
	for path, fresh := range want {
		committed, err := os.ReadFile(filepath.Join(root, path))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(committed, fresh) {
			t.Errorf("%s is stale: run make generate and commit the result", path)
		}
	}
}

// swaggerDoc is the part of the committed swagger.json these tests read.
type swaggerDoc struct {
	Paths map[string]map[string]struct {
		OperationID string                `json:"operationId"`
		Tags        []string              `json:"tags"`
		Security    []map[string][]string `json:"security"`
		Parameters  []struct {
			In     string    `json:"in"`
			Name   string    `json:"name"`
			Schema schemaRef `json:"schema"`
		} `json:"parameters"`
		Responses map[string]struct{ Schema schemaRef }
		Risk      *struct{ Level, Scope string } `json:"x-idcmd-risk"`
	} `json:"paths"`
	Definitions map[string]schema `json:"definitions"`
}

type schemaRef struct {
	Ref string `json:"$ref"`
}

type schema struct {
	Required   []string          `json:"required"`
	Properties map[string]schema `json:"properties"`
	Enum       []any             `json:"enum"`
	Items      *schema           `json:"items"`
	MaxLength  *int              `json:"maxLength"`
	Maximum    *float64          `json:"maximum"`
}

func loadDoc(t *testing.T) swaggerDoc {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "openapi/swagger.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d swaggerDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d swaggerDoc) resolve(r schemaRef) schema {
	return d.Definitions[strings.TrimPrefix(r.Ref, "#/definitions/")]
}

// TestDocumentMatchesCatalog checks both directions: every command has its
// own operation, and every command operation is a catalog command, with the
// required fields, enums, tag, security and risk of its declaration.
func TestDocumentMatchesCatalog(t *testing.T) {
	d := loadDoc(t)
	seen := map[string]bool{}
	for _, cmd := range catalog.Default.All() {
		desc := commands.Describe(cmd)
		path := "/api/v1/commands/" + desc.Name
		op, ok := d.Paths[path]["post"]
		if !ok {
			t.Errorf("%s: no POST %s in the document", desc.Name, path)
			continue
		}
		seen[path] = true
		if op.OperationID != desc.Name {
			t.Errorf("%s: operationId %q", desc.Name, op.OperationID)
		}
		if !slices.Equal(op.Tags, []string{string(desc.Provider)}) {
			t.Errorf("%s: tags %v", desc.Name, op.Tags)
		}
		if len(op.Security) == 0 {
			t.Errorf("%s: no bearer security", desc.Name)
		}
		if op.Risk == nil || op.Risk.Level != string(desc.Risk) || op.Risk.Scope != desc.Scope {
			t.Errorf("%s: x-idcmd-risk %+v, want %s/%s", desc.Name, op.Risk, desc.Risk, desc.Scope)
		}
		var body schemaRef
		header := false
		for _, p := range op.Parameters {
			switch {
			case p.In == "body":
				body = p.Schema
			case p.In == "header" && p.Name == "Idempotency-Key":
				header = true
			}
		}
		if body.Ref == "" {
			t.Errorf("%s: no body parameter", desc.Name)
			continue
		}
		changes := desc.Risk != commands.Read
		if header != changes {
			t.Errorf("%s: Idempotency-Key header documented=%v, command changes state=%v", desc.Name, header, changes)
		}
		if _, ok := op.Responses["202"]; ok != changes {
			t.Errorf("%s: 202 documented=%v, command changes state=%v", desc.Name, ok, changes)
		}
		req := d.resolve(body)
		var wantReq []string
		for _, a := range desc.Arguments {
			if a.Required {
				wantReq = append(wantReq, a.Name)
			}
			p, ok := req.Properties[a.Name]
			if !ok {
				t.Errorf("%s: argument %s missing from the request schema", desc.Name, a.Name)
				continue
			}
			var enum []string
			for _, e := range p.Enum {
				enum = append(enum, e.(string))
			}
			if !slices.Equal(enum, a.Enum) {
				t.Errorf("%s.%s: enum %v, validate tag says %v", desc.Name, a.Name, enum, a.Enum)
			}
			if a.Max != "" && p.MaxLength == nil && p.Maximum == nil && p.Items == nil {
				t.Errorf("%s.%s: max=%s not in the schema", desc.Name, a.Name, a.Max)
			}
		}
		if _, ok := req.Properties["incident"]; !ok {
			t.Errorf("%s: request schema lacks incident", desc.Name)
		}
		if len(req.Properties) != len(desc.Arguments)+1 {
			t.Errorf("%s: request schema has %d properties, the declaration %d arguments", desc.Name, len(req.Properties)-1, len(desc.Arguments))
		}
		gotReq := slices.Clone(req.Required)
		sort.Strings(gotReq)
		sort.Strings(wantReq)
		if diff := cmp.Diff(wantReq, gotReq, cmp.Comparer(func(a, b []string) bool { return slices.Equal(a, b) })); diff != "" {
			t.Errorf("%s: required fields (-validate tags +document):\n%s", desc.Name, diff)
		}
		for _, status := range []string{"200", "400", "401", "403", "404", "413", "415", "429", "502", "503", "504"} {
			if _, ok := op.Responses[status]; !ok {
				t.Errorf("%s: no %s response", desc.Name, status)
			}
		}
		res := d.resolve(op.Responses["200"].Schema)
		for _, f := range []string{"command", "request_id", "outputs_prefix", "outputs_key_field", "outputs", "readable_output", "raw_response"} {
			if _, ok := res.Properties[f]; !ok {
				t.Errorf("%s: result schema lacks %s", desc.Name, f)
			}
		}
	}
	for path, ops := range d.Paths {
		if strings.HasPrefix(path, "/api/v1/commands/") && !seen[path] {
			t.Errorf("document has %s %v, which is not a catalog command", path, ops)
		}
	}
}
