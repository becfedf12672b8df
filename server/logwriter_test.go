package server

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// gatedOutput is a log output whose writes wait while the gate is shut, as
// a pipe nobody reads does; it records what it was given.
type gatedOutput struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
	gate   chan struct{} // writes wait until it is closed (open)
	inside chan struct{} // told when a write is waiting at the gate
}

func newGatedOutput() *gatedOutput {
	return &gatedOutput{gate: make(chan struct{}), inside: make(chan struct{}, 100)}
}

func (g *gatedOutput) Write(p []byte) (int, error) {
	select {
	case g.inside <- struct{}{}:
	default:
	}
	<-g.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	g.writes++
	return g.buf.Write(p)
}

func (g *gatedOutput) open() { close(g.gate) }

func (g *gatedOutput) lines() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return strings.Split(strings.TrimSuffix(g.buf.String(), "\n"), "\n")
}

// within fails the test if fn has not returned after a minute: a guard
// against a hang, not a speed check.
func within(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("%s did not return", what)
	}
}

// TestLogWriterKeepsEveryLineInOrder: lines from many goroutines all reach
// the output by Close, each goroutine's in the order it wrote them, and
// lines are never split or merged.
func TestLogWriterKeepsEveryLineInOrder(t *testing.T) {
	out := newGatedOutput()
	out.open()
	l := NewLogWriter(out)
	const goroutines, each = 16, 500
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				fmt.Fprintf(l, "{\"g\":%d,\"i\":%d,\"pad\":%q}\n", g, i, strings.Repeat("x", i%300))
			}
		}()
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	next := make([]int, goroutines)
	lines := out.lines()
	for _, line := range lines {
		var g, i int
		if _, err := fmt.Sscanf(line, "{\"g\":%d,\"i\":%d,", &g, &i); err != nil {
			t.Fatalf("mangled line %q: %v", line, err)
		}
		if i != next[g] {
			t.Fatalf("goroutine %d: line %d after %d", g, i, next[g]-1)
		}
		next[g]++
	}
	if len(lines) != goroutines*each {
		t.Fatalf("%d lines, want %d", len(lines), goroutines*each)
	}
	if out.writes >= len(lines) {
		t.Logf("%d writes for %d lines: no batching happened this run", out.writes, len(lines))
	}
}

// TestLogWriterDoesNotWaitForTheOutput: while the output is stuck, a log
// line is queued and Write returns; Flush waits for the output.
func TestLogWriterDoesNotWaitForTheOutput(t *testing.T) {
	out := newGatedOutput()
	l := NewLogWriter(out)
	defer l.Close()
	within(t, "Write while the output is stuck", func() {
		for i := range 100 {
			fmt.Fprintf(l, "line %d\n", i)
		}
	})
	<-out.inside // the writer is at the stuck output
	flushed := make(chan struct{})
	go func() { _ = l.Flush(); close(flushed) }()
	select {
	case <-flushed:
		t.Fatal("Flush returned before the output took the lines")
	default:
	}
	out.open()
	within(t, "Flush", func() { <-flushed })
	if got := out.lines(); len(got) != 100 || got[99] != "line 99" {
		t.Fatalf("after Flush: %d lines, last %q", len(got), got[len(got)-1])
	}
}

// TestLogWriterFullQueueWaits: when the output is stuck and the queue is
// full, Write waits instead of dropping the line; once the output moves,
// every line is there.
func TestLogWriterFullQueueWaits(t *testing.T) {
	out := newGatedOutput()
	l := NewLogWriter(out)
	line := strings.Repeat("a", 1023) + "\n"
	fmt.Fprint(l, "first\n")
	<-out.inside // the writer holds "first" at the stuck output
	within(t, "filling the queue", func() {
		for range maxQueuedLog / len(line) {
			fmt.Fprint(l, line)
		}
	})
	blocked := make(chan struct{})
	go func() { fmt.Fprint(l, "last\n"); close(blocked) }()
	select {
	case <-blocked:
		t.Fatal("a Write past the bound returned while the queue was full: it was dropped or the bound does not hold")
	case <-time.After(50 * time.Millisecond): // a Write that returns does so at once
	}
	out.open()
	within(t, "the waiting Write", func() { <-blocked })
	within(t, "Close", func() { _ = l.Close() })
	got := out.lines()
	if want := 2 + maxQueuedLog/len(line); len(got) != want || got[0] != "first" || got[len(got)-1] != "last" {
		t.Fatalf("%d lines (first %q, last %q), want %d from first to last", len(got), got[0], got[len(got)-1], want)
	}
}

// TestLogWriterAfterClose: a line logged after Close is written at once.
func TestLogWriterAfterClose(t *testing.T) {
	var buf bytes.Buffer
	l := NewLogWriter(&buf)
	fmt.Fprint(l, "before\n")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(l, "after\n")
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	var got []string
	for sc.Scan() {
		got = append(got, sc.Text())
	}
	if strings.Join(got, ",") != "before,after" {
		t.Fatalf("got %q", got)
	}
	if err := l.Close(); err != nil { // a second Close is harmless
		t.Fatal(err)
	}
}

// TestLogWriterLingerEndsForFlushAndClose: lines gather for logLinger
// before the writer takes them, but Flush and Close do not wait for the
// linger: with it an hour long, both return with every line written, and
// the lines logged before a Flush share one write.
func TestLogWriterLingerEndsForFlushAndClose(t *testing.T) {
	out := &countingWriter{}
	l := newLogWriter(out, time.Hour)
	for i := range 3 {
		fmt.Fprintf(l, "line %d\n", i)
	}
	within(t, "Flush during a linger", func() {
		if err := l.Flush(); err != nil {
			t.Error(err)
		}
	})
	if got, writes := out.state(); got != "line 0\nline 1\nline 2\n" || writes != 1 {
		t.Errorf("after Flush: %q in %d writes, want the 3 lines in 1", got, writes)
	}
	fmt.Fprintln(l, "line 3")
	within(t, "Close during a linger", func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	})
	if got, _ := out.state(); !strings.HasSuffix(got, "line 2\nline 3\n") {
		t.Errorf("after Close: %q, want line 3 written", got)
	}
}

type countingWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	return w.buf.Write(p)
}

func (w *countingWriter) state() (string, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String(), w.writes
}
