package commands

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestBoundJSON(t *testing.T) {
	big := strings.Repeat("é", 1000)
	out := boundJSON(json.RawMessage(`{"user":"` + big + `","short":"ok","list":[` + strings.Repeat(`"x",`, 200) + `"x"]}`))
	if len(out) > maxRefusedJSON {
		t.Fatalf("bounded to %d bytes", len(out))
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if m["short"] != "ok" || !strings.Contains(m["user"].(string), "[truncated, 2000 bytes]") || !strings.Contains(m["list"].(string), "truncated") {
		t.Errorf("bounded: %s", out)
	}
	if got := string(boundJSON(json.RawMessage(`not json` + strings.Repeat("!", 300)))); !strings.Contains(got, "truncated") {
		t.Errorf("non-object: %s", got)
	}
}
