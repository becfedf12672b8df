package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/idcmd/idcmd/store"
)

// The crash tests run this test binary a second time as a helper process
// that appends audit records until it is killed with SIGKILL; the
// environment variables below tell TestMain to be that helper.
const (
	crashDSNEnv = "IDCMD_STORE_CRASH_HELPER_DSN"
	crashDirEnv = "IDCMD_STORE_CRASH_HELPER_DIR"
)

func TestMain(m *testing.M) {
	if dsn, ok := os.LookupEnv(crashDSNEnv); ok {
		if err := crashHelper(dsn, os.Getenv(crashDirEnv)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashHelper appends audit records from 16 goroutines and prints
// "ack <seq> <hash>" for each as soon as AppendAudit returns — the moment
// idcmd would send its response. Half the goroutines append as read-only
// calls do, WithRelaxedDurability: their records too must survive a crash of
// the process (only a power loss may take them), and the group commits mix
// both kinds.
func crashHelper(dsn, dir string) error {
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, dir)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := ctx
			if g%2 == 1 {
				ctx = store.WithRelaxedDurability(ctx)
			}
			for i := 0; i < 100000; i++ {
				r, err := s.AppendAudit(ctx, store.AuditRecord{
					RequestID: fmt.Sprintf("g%d-%d", g, i), Subject: "crash", Command: "okta-suspend-user",
					Args: []byte(`{"user":"jdoe"}`), Outcome: "success",
				})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				_, err = fmt.Printf("ack %d %s\n", r.Seq, r.Hash)
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// testCrash kills the helper after it has acknowledged some records and
// checks that every acknowledged record survived and the chain verifies.
func testCrash(t *testing.T, dsn, dir string) {
	const killAfter = 300
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashDSNEnv+"="+dsn, crashDirEnv+"="+dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	acked := map[int64]string{}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		var seq int64
		var hash string
		if _, err := fmt.Sscanf(sc.Text(), "ack %d %s", &seq, &hash); err != nil {
			continue
		}
		acked[seq] = hash
		if len(acked) == killAfter {
			if err := cmd.Process.Kill(); err != nil { // SIGKILL: no chance to clean up
				t.Fatal(err)
			}
		}
	}
	// Lines already in the pipe when the kill landed were acknowledged too.
	waitErr := cmd.Wait()
	if len(acked) < killAfter {
		t.Fatalf("helper acknowledged %d records before exiting (%v), want %d; stderr:\n%s",
			len(acked), waitErr, killAfter, stderr.String())
	}

	s := mustOpen(t, dsn, dir)
	for seq, hash := range acked {
		r, err := s.GetAudit(t.Context(), seq)
		if err != nil {
			t.Fatalf("acknowledged record %d lost: %v", seq, err)
		}
		if r.Hash != hash {
			t.Fatalf("acknowledged record %d has hash %s, acknowledged %s", seq, r.Hash, hash)
		}
	}
	v, err := s.VerifyAudit(t.Context())
	if err != nil || !v.OK || v.Checked < int64(len(acked)) {
		t.Fatalf("VerifyAudit after the crash = %+v, %v; want OK with at least %d records", v, err, len(acked))
	}
	if _, err := s.AppendAudit(t.Context(), store.AuditRecord{Command: "c", Outcome: "success"}); err != nil {
		t.Fatalf("AppendAudit after the crash: %v", err)
	}
	t.Logf("%d records acknowledged before SIGKILL, %d in the log, chain verifies", len(acked), v.Checked)
}

func TestSQLiteCrashKeepsAcknowledgedRecords(t *testing.T) { testCrash(t, "", t.TempDir()) }

func TestPostgresCrashKeepsAcknowledgedRecords(t *testing.T) {
	postgresURL(t)
	testCrash(t, freshSchema(t), "")
}
