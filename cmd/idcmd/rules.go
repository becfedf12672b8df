package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/handlers"
	"github.com/idcmd/idcmd/rules"
)

// rulesUsage lists the rules subcommands.
const rulesUsage = "usage: idcmd rules replay --since TIME [--until TIME] [--limit N] [--config FILE]\n" +
	"       TIME is an RFC 3339 time (2026-11-23T00:00:00Z) or an age such as 24h"

// usageError is a mistake in the command line: idcmd exits 2 on it, as
// flag does, not 1 (a failure of the work itself).
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func badUsage(format string, args ...any) error {
	return usageError{fmt.Errorf(format+"\n%s", append(args, rulesUsage)...)}
}

// rulesCmd runs the rules subcommands: replay prints what the configured
// rules would have done with the stored events of a range, and changes
// nothing (POST /api/v1/rules/replay without a server).
func rulesCmd(args []string, out io.Writer) error {
	if len(args) == 0 {
		return usageError{errors.New(rulesUsage)}
	}
	switch args[0] {
	case "replay":
		return rulesReplay(args[1:], out, time.Now())
	}
	return usageError{fmt.Errorf("unknown rules subcommand %q\n%s", args[0], rulesUsage)}
}

func rulesReplay(args []string, out io.Writer, now time.Time) error {
	fs := flag.NewFlagSet("rules replay", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfgPath := fs.String("config", "", "config file (the rules, event_routing, integrations and automated_responses to replay)")
	sinceFlag := fs.String("since", "", "replay the events that happened from this time: RFC 3339, or an age such as 24h (required)")
	untilFlag := fs.String("until", "", "up to this time, exclusive: RFC 3339, or an age such as 1h (default: now)")
	limit := fs.Int("limit", handlers.DefaultReplayLimit, "how many decisions to list (1-1000); every event is counted")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(out, rulesUsage)
		fs.SetOutput(out)
		fs.PrintDefaults()
		return nil
	} else if err != nil {
		return badUsage("%v", err)
	}
	if fs.NArg() > 0 {
		return badUsage("unexpected argument %q", fs.Arg(0))
	}
	if *sinceFlag == "" {
		return badUsage("--since is required: an RFC 3339 time, or an age such as 24h")
	}
	since, err := parseReplayTime("--since", *sinceFlag, now)
	if err != nil {
		return err
	}
	until := now
	if *untilFlag != "" {
		if until, err = parseReplayTime("--until", *untilFlag, now); err != nil {
			return err
		}
	}
	switch {
	case !until.After(since):
		return badUsage("--until %s: must be after --since (%s)", until.Format(time.RFC3339), since.Format(time.RFC3339))
	case until.Sub(since) > handlers.MaxReplayRange:
		return badUsage("--until %s: must be at most 31 days after --since (%s)", until.Format(time.RFC3339), since.Format(time.RFC3339))
	case *limit < 1 || *limit > handlers.MaxReplayLimit:
		return badUsage("--limit %d: must be from 1 to %d", *limit, handlers.MaxReplayLimit)
	}
	cfg, err := config.LoadUnchecked(*cfgPath, os.Getenv)
	if err != nil {
		return err
	}
	rc, err := cfg.RulesConfig()
	if err != nil {
		return err
	}
	st, _, err := openStore(cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	// No directory: without a server's roster the privileged-user detector
	// does not know who is privileged, as on a replica that has not read it.
	rep, err := rules.Replay(context.Background(), st, rc, nil, since, until, *limit)
	if err != nil {
		return err
	}
	if rep.Decisions == nil {
		rep.Decisions = []rules.Decision{}
	}
	return printJSON(out, rep)
}

// parseReplayTime reads a bound: an RFC 3339 time, or a Go duration meaning
// that long before now.
func parseReplayTime(flagName, s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return time.Time{}, badUsage("%s %q: want an RFC 3339 time such as 2026-11-23T00:00:00Z, or an age such as 24h", flagName, s)
	}
	return now.Add(-d), nil
}
