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
	"slices"
	"strings"
	"time"

	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/store"
)

// errChainBroken makes idcmd exit 1 when the audit chain does not verify.
var errChainBroken = errors.New("the audit chain does not verify")

// sqliteFile is the SQLite store's file name inside the data directory
// (store.Open's choice).
const sqliteFile = "idcmd.db"

// auditUsage lists the audit subcommands, as --help does.
const auditUsage = "usage: idcmd audit verify [--config FILE] [--export FILE|DIR]...\n" +
	"       idcmd audit export [--config FILE] [--before TIME|--through-seq N] [--out FILE]\n" +
	"       idcmd audit prune  [--config FILE] --before TIME --export-dir DIR"

// verifyReport is what idcmd audit verify prints: which store it read, and
// the verification. OK is true when everything asked for verifies: the
// store's kept chain and, with --export, the export files and their join to
// the store's anchor.
type verifyReport struct {
	// Store is the SQLite file or the PostgreSQL URL (password redacted).
	Store string `json:"store"`
	store.AuditVerification
	// Exports is the check of the export files given with --export.
	Exports *store.HistoryVerification `json:"exports,omitempty"`
}

// audit runs the audit subcommands: verify walks the hash chain (and the
// export files) and names the first broken record; export writes records
// as JSON lines; prune exports and then deletes old records.
func audit(args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(auditUsage)
	}
	switch args[0] {
	case "verify":
		return auditVerify(args[1:], out)
	case "export":
		return auditExport(args[1:], out)
	case "prune":
		return auditPrune(args[1:], out)
	}
	return fmt.Errorf("unknown audit subcommand %q\n%s", args[0], auditUsage)
}

// exportPaths is the repeatable --export flag.
type exportPaths []string

func (p *exportPaths) String() string { return strings.Join(*p, ",") }

func (p *exportPaths) Set(v string) error {
	*p = append(*p, v)
	return nil
}

func auditVerify(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "config file")
	var exports exportPaths
	fs.Var(&exports, "export", "an export file, or a directory of them (audit-*.jsonl); repeatable, and files after the flags count too")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 && len(exports) == 0 {
		return fmt.Errorf("unexpected argument %q: export files go after --export\n%s", fs.Arg(0), auditUsage)
	}
	paths, err := exportFiles(append(exports, fs.Args()...))
	if err != nil {
		return err
	}
	st, where, err := openAuditStore(*cfgPath)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx := context.Background()
	report := verifyReport{Store: where}
	if len(exports) == 0 {
		report.AuditVerification, err = st.VerifyAudit(ctx)
	} else {
		var hv store.HistoryVerification
		hv, report.AuditVerification, err = store.VerifyAuditHistory(ctx, st, paths)
		report.Exports = &hv
	}
	if err != nil {
		return fmt.Errorf("verify %s: %w", where, err)
	}
	v := report.AuditVerification
	if v.OK && report.Exports != nil && !report.Exports.OK {
		report.OK, report.Reason = false, "exports: "+report.Exports.Reason
	}
	if err := printJSON(out, report); err != nil {
		return err
	}
	switch {
	case !v.OK:
		return fmt.Errorf("%w: first broken record %d: %s", errChainBroken, v.FirstBroken, v.Reason)
	case !report.OK:
		return fmt.Errorf("%w: %s", errChainBroken, report.Reason)
	}
	return nil
}

// exportFiles expands the --export arguments: a directory stands for the
// export files in it.
func exportFiles(args []string) ([]string, error) {
	var paths []string
	for _, a := range args {
		info, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("--export: %w", err)
		}
		if !info.IsDir() {
			paths = append(paths, a)
			continue
		}
		m, err := filepath.Glob(filepath.Join(a, "audit-*.jsonl"))
		if err != nil {
			return nil, fmt.Errorf("--export %s: %w", a, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("--export %s: the directory holds no export files (audit-*.jsonl)", a)
		}
		paths = append(paths, m...)
	}
	slices.Sort(paths)
	return slices.Compact(paths), nil
}

// exportReport is what idcmd audit export --out prints.
type exportReport struct {
	Store string `json:"store"`
	store.ExportFile
}

func auditExport(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("audit export", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "config file")
	beforeFlag := fs.String("before", "", "export the records older than this: an RFC 3339 time, or an age such as 2160h")
	through := fs.Int64("through-seq", 0, "export the records up to and including this seq")
	outPath := fs.String("out", "", "write the export to this new file (default: standard output)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q\n%s", fs.Arg(0), auditUsage)
	}
	var sel store.ExportRange
	switch {
	case *beforeFlag != "" && *through != 0:
		return errors.New("--before and --through-seq: give one of them")
	case *through < 0:
		return fmt.Errorf("--through-seq %d: must be positive", *through)
	case *beforeFlag != "":
		t, err := parseBefore(*beforeFlag, time.Now())
		if err != nil {
			return err
		}
		sel.Before = t
	}
	sel.Through = *through
	st, where, err := openAuditStore(*cfgPath)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx := context.Background()
	if sel.Through > 0 {
		anchor, err := st.AuditAnchor(ctx)
		if err != nil {
			return err
		}
		if sel.Through <= anchor.Seq {
			return fmt.Errorf("--through-seq %d: records up to %d were pruned (they are in the export files of the prune)", sel.Through, anchor.Seq)
		}
	}
	if *outPath == "" {
		_, err := store.ExportAudit(ctx, st, out, sel)
		return err
	}
	f, err := store.ExportAuditFile(ctx, st, *outPath, sel)
	if err != nil {
		return err
	}
	if f.Records == 0 {
		f.Path = "" // nothing was written
	}
	return printJSON(out, exportReport{Store: where, ExportFile: f})
}

// pruneReport is what idcmd audit prune prints.
type pruneReport struct {
	Store string `json:"store"`
	store.PruneResult
}

func auditPrune(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("audit prune", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "config file")
	beforeFlag := fs.String("before", "", "prune the records older than this: an RFC 3339 time, or an age such as 2160h (required)")
	dir := fs.String("export-dir", "", "write the exports of the pruned records here (default: audit.export_dir)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q\n%s", fs.Arg(0), auditUsage)
	}
	if *beforeFlag == "" {
		return errors.New("--before is required: an RFC 3339 time, or an age such as 2160h (90 days)")
	}
	before, err := parseBefore(*beforeFlag, time.Now())
	if err != nil {
		return err
	}
	cfg, err := config.LoadUnchecked(*cfgPath, os.Getenv)
	if err != nil {
		return err
	}
	if *dir == "" {
		*dir = cfg.Audit.ExportDir
	}
	if *dir == "" {
		return errors.New("--export-dir is required (or audit.export_dir in the config): pruned records are exported there first")
	}
	if err := store.CheckExportDir(*dir); err != nil {
		return err
	}
	st, where, err := openStore(cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := store.ExportAndPruneAudit(context.Background(), st, store.PruneOptions{Dir: *dir, Before: before})
	if perr := printJSON(out, pruneReport{Store: where, PruneResult: res}); err == nil {
		err = perr
	}
	return err
}

// parseBefore reads a cutoff: an RFC 3339 time, or a Go duration meaning
// that long before now.
func parseBefore(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return time.Time{}, fmt.Errorf("--before %q: want an RFC 3339 time such as 2026-01-31T00:00:00Z, or an age such as 2160h (90 days)", s)
	}
	return now.Add(-d), nil
}

// openAuditStore loads the configuration (the store part only) and opens
// the store it names.
func openAuditStore(cfgPath string) (store.Store, string, error) {
	cfg, err := config.LoadUnchecked(cfgPath, os.Getenv)
	if err != nil {
		return nil, "", err
	}
	return openStore(cfg)
}

func openStore(cfg config.Config) (store.Store, string, error) {
	where, err := storeLocation(cfg.Store)
	if err != nil {
		return nil, "", err
	}
	st, err := store.Open(context.Background(), cfg.Store.URL, cfg.Store.DataDir)
	if err != nil {
		return nil, "", fmt.Errorf("open store %s: %w", where, err)
	}
	return st, where, nil
}

func printJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
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
