package tests

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lintDir holds the pinned OpenAPI validators (package.json and
// package-lock.json); requireLintTools installs them with npm ci.
const lintDir = "openapi-lint"

// requireTools skips the test when a tool it shells out to is missing, with
// the reason, except under CI=true (.ci/run), where a skip would hide that
// the check did not run: there it fails.
func requireTools(t *testing.T, why string, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed, and CI=true forbids skipping: %s", tool, why)
			}
			t.Skipf("SKIPPED: %s is not installed (%s); install it to run this check (under CI=true this fails)", tool, why)
		}
	}
}

// fetchServedDocument starts the real binary and downloads what it serves
// at /swagger/doc.json.
func fetchServedDocument(t *testing.T) []byte {
	t.Helper()
	p := startIdcmd(t, map[string]string{"IDCMD_JWT_SECRET": testSecret, "IDCMD_DATA_DIR": t.TempDir()})
	resp, err := http.Get(p.url + "/swagger/doc.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /swagger/doc.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return b
}

// servedDoc is the part of the document these checks read.
type servedDoc struct {
	Info struct {
		Version string `json:"version"`
	} `json:"info"`
	Host                *string  `json:"host"`
	Schemes             []string `json:"schemes"`
	Tags                []struct{ Name, Description string }
	SecurityDefinitions map[string]json.RawMessage `json:"securityDefinitions"`
	Paths               map[string]map[string]struct {
		OperationID string                 `json:"operationId"`
		Description string                 `json:"description"`
		Tags        []string               `json:"tags"`
		Security    *[]map[string][]string `json:"security"`
	} `json:"paths"`
}

// TestServedOpenAPIDocument: what the server hands out at
// /swagger/doc.json is the committed openapi/swagger.json, with no empty
// host or schemes, security stated on every operation (none on health and
// metrics), every tag declared and described, every operation described,
// and the binary's version.
func TestServedOpenAPIDocument(t *testing.T) {
	served := fetchServedDocument(t)
	committed, err := os.ReadFile("../openapi/swagger.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(served, committed) {
		t.Error("the served /swagger/doc.json differs from the committed openapi/swagger.json")
	}
	var d servedDoc
	if err := json.Unmarshal(served, &d); err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(served, &raw)
	if d.Host != nil && *d.Host == "" {
		t.Error(`"host": "" (Swagger 2.0 wants a host name, or no host field)`)
	}
	if _, ok := raw["schemes"]; ok && len(d.Schemes) == 0 {
		t.Error(`"schemes" present but empty`)
	}
	out, err := exec.Command(idcmdBinary(t), "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if fields := strings.Fields(string(out)); len(fields) < 2 || fields[1] != d.Info.Version {
		t.Errorf("idcmd version says %q, the document's info.version %q", out, d.Info.Version)
	}
	tags := map[string]bool{}
	for _, tag := range d.Tags {
		if tag.Description == "" {
			t.Errorf("tag %s has no description", tag.Name)
		}
		tags[tag.Name] = true
	}
	if _, ok := d.SecurityDefinitions["BearerAuth"]; !ok {
		t.Error("no BearerAuth security definition")
	}
	// Okta's event hook verification GET carries no secret: it only
	// echoes the challenge.
	public := map[string]bool{"get /healthz": true, "get /readyz": true, "get /metrics": true, "get /okta/webhook": true}
	for path, ops := range d.Paths {
		for method, op := range ops {
			name := method + " " + path
			if op.Description == "" {
				t.Errorf("%s has no description", name)
			}
			for _, tag := range op.Tags {
				if !tags[tag] {
					t.Errorf("%s has tag %s, which the document's tags do not declare", name, tag)
				}
			}
			switch {
			case op.Security == nil:
				t.Errorf("%s states no security (want BearerAuth, or [] for a public endpoint)", name)
			case public[name] && len(*op.Security) != 0:
				t.Errorf("%s needs no token but its security is %v", name, *op.Security)
			case !public[name] && len(*op.Security) == 0:
				t.Errorf("%s needs a token but its security is []", name)
			}
		}
	}
}

// TestServedOpenAPIDocumentPassesValidators runs the pinned swagger-cli
// and Redocly CLI (recommended ruleset, plus the rules in
// openapi-lint/redocly.yaml) over the served document; any error fails.
func TestServedOpenAPIDocumentPassesValidators(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary and runs node")
	}
	requireTools(t, "the OpenAPI validators run on Node.js", "node", "npm", "npx")
	installLintTools(t)
	file := filepath.Join(t.TempDir(), "doc.json")
	if err := os.WriteFile(file, fetchServedDocument(t), 0o644); err != nil {
		t.Fatal(err)
	}
	runLint(t, "npx", "--no", "swagger-cli", "validate", file)
	out := runLint(t, "npx", "--no", "redocly", "lint", "--config", "redocly.yaml", "--format", "stylish", file)
	if strings.Contains(out, "warning") {
		t.Logf("Redocly warnings (not errors):\n%s", out)
	}
}

// installLintTools runs npm ci in openapi-lint unless the installed
// validators are the versions package-lock.json pins.
func installLintTools(t *testing.T) {
	t.Helper()
	lock, err := os.ReadFile(filepath.Join(lintDir, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pinned struct {
		Packages map[string]struct{ Version string } `json:"packages"`
	}
	if err := json.Unmarshal(lock, &pinned); err != nil {
		t.Fatal(err)
	}
	current := true
	for _, pkg := range []string{"@apidevtools/swagger-cli", "@redocly/cli"} {
		want := pinned.Packages["node_modules/"+pkg].Version
		var installed struct{ Version string }
		b, err := os.ReadFile(filepath.Join(lintDir, "node_modules", pkg, "package.json"))
		if want == "" {
			t.Fatalf("package-lock.json does not pin %s", pkg)
		}
		if err != nil || json.Unmarshal(b, &installed) != nil || installed.Version != want {
			current = false
		}
	}
	if !current {
		runLint(t, "npm", "ci", "--no-audit", "--no-fund")
	}
}

// runLint runs a command in openapi-lint and fails the test, with its
// output, when it exits non-zero. Telemetry and update checks are off: the
// test talks to no one.
func runLint(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = lintDir
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true",
		"NO_UPDATE_NOTIFIER=1", "npm_config_update_notifier=false")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s (in tests/%s): %v\n%s", name, strings.Join(args, " "), lintDir, err, out)
	}
	t.Logf("%s %s: ok (%s)", name, strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	return string(out)
}
