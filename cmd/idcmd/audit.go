package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/store"
)

// errChainBroken makes idcmd exit 1 when the audit chain does not verify.
var errChainBroken = errors.New("the audit chain does not verify")

// sqliteFile is the SQLite store's file name inside the data directory
// (store.Open's choice).
const sqliteFile = "idcmd.db"

// verifyReport is what idcmd audit verify prints: which store it read, and
// the verification.
type verifyReport struct {
	// Store is the SQLite file or the PostgreSQL URL (password redacted).
	Store string `json:"store"`
	store.AuditVerification
}

// audit runs audit subcommands; verify walks the hash chain and names the
// first broken record.
func audit(args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: idcmd audit verify [--config FILE]")
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "config file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, err := config.LoadUnchecked(*cfgPath, os.Getenv)
	if err != nil {
		return err
	}
	where, err := storeLocation(cfg.Store)
	if err != nil {
		return err
	}
	ctx := context.Background()
	st, err := store.Open(ctx, cfg.Store.URL, cfg.Store.DataDir)
	if err != nil {
		return fmt.Errorf("open store %s: %w", where, err)
	}
	defer st.Close()
	v, err := st.VerifyAudit(ctx)
	if err != nil {
		return fmt.Errorf("verify %s: %w", where, err)
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(verifyReport{Store: where, AuditVerification: v}); err != nil {
		return err
	}
	if !v.OK {
		return fmt.Errorf("%w: first broken record %d: %s", errChainBroken, v.FirstBroken, v.Reason)
	}
	return nil
}

// storeLocation names the store verify reads. A SQLite store that does not
// exist is an error: opening it would create an empty one, and "0 records,
// ok" about the wrong directory (./data, while the sandbox keeps its store
// elsewhere) would be a false all-clear.
func storeLocation(c config.Store) (string, error) {
	var file string
	switch {
	case c.URL == "" || c.URL == "sqlite":
		file = filepath.Join(c.DataDir, sqliteFile)
	case strings.HasPrefix(c.URL, "sqlite:") && !strings.Contains(c.URL, ":memory:"):
		file = strings.TrimPrefix(c.URL, "sqlite:")
	default:
		if u, err := url.Parse(c.URL); err == nil && u.Scheme != "" {
			return u.Redacted(), nil
		}
		return "the store at IDCMD_STORE_URL", nil
	}
	if _, err := os.Stat(file); err != nil {
		return "", fmt.Errorf("no audit store at %s (IDCMD_DATA_DIR=%q): set IDCMD_DATA_DIR to the server's data directory; "+
			"idcmd serve --sandbox prints its own as export IDCMD_DATA_DIR=...", file, c.DataDir)
	}
	return file, nil
}
