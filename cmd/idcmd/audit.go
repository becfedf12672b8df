package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/store"
)

// errChainBroken makes idcmd exit 1 when the audit chain does not verify.
var errChainBroken = errors.New("the audit chain does not verify")

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
	ctx := context.Background()
	st, err := store.Open(ctx, cfg.Store.URL, cfg.Store.DataDir)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	v, err := st.VerifyAudit(ctx)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	if !v.OK {
		return fmt.Errorf("%w: first broken record %d: %s", errChainBroken, v.FirstBroken, v.Reason)
	}
	return nil
}
