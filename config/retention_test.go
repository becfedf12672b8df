package config

import (
	"strings"
	"testing"
	"time"
)

// TestRetentionDefaults: finished write-backs are kept 30 days, the audit
// log forever.
func TestRetentionDefaults(t *testing.T) {
	c, err := loadFile(t, map[string]string{"IDCMD_JWT_SECRET": secret}, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.WriteBack.Retention != 720*time.Hour || c.Audit.Retention != 0 || c.Audit.ExportDir != "" {
		t.Errorf("defaults: writeback.retention %v, audit %+v; want 720h and keep-forever", c.WriteBack.Retention, c.Audit)
	}
}

// TestRetentionKeys: the keys load from the file, 0 is accepted (keep
// forever), and every mistake is a start-up error that names the key.
func TestRetentionKeys(t *testing.T) {
	vars := map[string]string{"IDCMD_JWT_SECRET": secret, "EXPORTS": "/var/lib/idcmd/audit-export"}
	cases := map[string]struct {
		file string
		want string // "" for success
	}{
		"both set":            {file: "writeback:\n  retention: 168h\naudit:\n  retention: 2160h\n  export_dir: ${EXPORTS}\n"},
		"zero keeps":          {file: "writeback:\n  retention: 0s\naudit:\n  retention: 0s\n"},
		"negative write-back": {file: "writeback:\n  retention: -1h\n", want: "writeback.retention must not be negative"},
		"negative audit":      {file: "audit:\n  retention: -24h\n  export_dir: /x\n", want: "audit.retention must not be negative"},
		"no unit":             {file: "writeback:\n  retention: 30\n", want: "`30` into time.Duration"},
		"no export dir":       {file: "audit:\n  retention: 2160h\n", want: "audit.retention needs audit.export_dir"},
		"export dir alone":    {file: "audit:\n  export_dir: /x\n", want: "audit.export_dir is only used with audit.retention"},
		"not a duration":      {file: "audit:\n  retention: 90 days\n  export_dir: /x\n", want: "90 days"},
		"unknown key":         {file: "audit:\n  retain: 24h\n", want: "retain"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := loadFile(t, vars, tc.file)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	c, err := loadFile(t, vars, cases["both set"].file)
	if err != nil || c.WriteBack.Retention != 168*time.Hour || c.Audit.Retention != 2160*time.Hour || c.Audit.ExportDir != vars["EXPORTS"] {
		t.Errorf("from the file: writeback %v, audit %+v, %v", c.WriteBack.Retention, c.Audit, err)
	}
}
