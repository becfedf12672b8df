package server

import (
	"io"
	"sync"
	"time"
)

// maxQueuedLog bounds the log lines queued and not yet taken by the
// writer: about 4,000 access-log lines, a second or two of full load. A
// Write that would pass it waits (see LogWriter).
const maxQueuedLog = 1 << 20

// LogWriter takes idcmd's log output off the request path. Every log line
// (the access log's one per request, and every other) is copied into a
// queue by the goroutine that logs it, and one writer goroutine writes
// what is queued to the output: each write carries every line queued in
// the few milliseconds before it (logLinger), so many lines share one
// write, at any load. Lines stay in the order they were logged.
//
// Nothing is dropped. When the queue holds maxQueuedLog bytes (the output
// is slower than the logging: a blocked pipe, a slow terminal), Write
// waits for the writer to take the queue, as a synchronous log would wait
// for the output: a SOC wants the access log complete, and a log that
// drops lines under load is missing exactly the lines it is read for.
// Flush waits until what was queued is written; App.Serve and
// App.Shutdown flush it last, and Close flushes and stops the goroutine,
// after which Write writes straight to the output. What is queued is lost
// only if the process dies without a shutdown (kill -9, a crash): at most
// what the writer had not yet written, normally the last few milliseconds.
type LogWriter struct {
	out    io.Writer
	linger time.Duration // logLinger, but for tests
	wake   chan struct{} // the writer has something to do (cap 1)
	hurry  chan struct{} // cut the writer's linger short (cap 1)
	done   chan struct{} // closed when the writer goroutine has returned

	mu      sync.Mutex
	cond    *sync.Cond // the queue was taken, or a write finished
	queue   []byte     // lines not yet taken by the writer
	spare   []byte     // the buffer of the write before, for reuse
	queued  int64      // bytes ever queued
	written int64      // bytes ever written (or failed to write)
	closing bool       // Close was called: the writer ends once the queue is empty
	closed  bool       // the writer has ended: Write writes directly
	err     error      // the first write error
}

// logLinger is how long the writer lets lines gather before it takes the
// queue, unless Flush, Close or a quarter-full queue hurries it. Without it
// a lone caller's every request would wake the writer and cost a write (a
// system call) of its own; with it a write carries every line of the last
// few milliseconds.
const logLinger = 5 * time.Millisecond

// NewLogWriter starts the writer goroutine for out.
func NewLogWriter(out io.Writer) *LogWriter { return newLogWriter(out, logLinger) }

func newLogWriter(out io.Writer, linger time.Duration) *LogWriter {
	l := &LogWriter{out: out, linger: linger, wake: make(chan struct{}, 1), hurry: make(chan struct{}, 1), done: make(chan struct{})}
	l.cond = sync.NewCond(&l.mu)
	go l.run()
	return l
}

// Write queues a copy of p (one log line, as slog writes it) and returns;
// it waits only while the queue is full.
func (l *LogWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return l.out.Write(p)
	}
	for len(l.queue) > 0 && len(l.queue)+len(p) > maxQueuedLog && !l.closed {
		l.cond.Wait()
	}
	if l.closed {
		return l.out.Write(p)
	}
	l.queue = append(l.queue, p...)
	l.queued += int64(len(p))
	l.signal()
	if len(l.queue) > maxQueuedLog/4 {
		poke(l.hurry)
	}
	return len(p), nil
}

// signal wakes the writer without waiting.
func (l *LogWriter) signal() { poke(l.wake) }

// poke sends on a channel of capacity 1 without waiting: a token already
// there says the same.
func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Flush waits until every line queued before it is written, and returns
// the first write error so far.
func (l *LogWriter) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	target := l.queued
	l.signal()
	poke(l.hurry)
	for l.written < target && !l.closed {
		l.cond.Wait()
	}
	return l.err
}

// Close writes what is queued, stops the writer goroutine and returns the
// first write error. Lines logged after it are written directly.
func (l *LogWriter) Close() error {
	l.mu.Lock()
	l.closing = true
	l.signal()
	poke(l.hurry)
	l.mu.Unlock()
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// run is the writer goroutine: it takes the whole queue, writes it in one
// call, and starts again while there is more.
func (l *LogWriter) run() {
	defer close(l.done)
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	for range l.wake {
		for {
			l.mu.Lock()
			if len(l.queue) == 0 {
				end := l.closing
				if end {
					l.closed = true
					l.cond.Broadcast()
				}
				l.mu.Unlock()
				if end {
					return
				}
				break
			}
			if !l.closing {
				// Let more lines gather. A stale token in hurry (a Flush
				// already served) only cuts one linger short.
				l.mu.Unlock()
				linger.Reset(l.linger)
				select {
				case <-linger.C:
				case <-l.hurry:
					linger.Stop()
				}
				l.mu.Lock()
			}
			buf := l.queue
			l.queue, l.spare = l.spare[:0], nil
			upto := l.queued
			l.cond.Broadcast() // room in the queue again
			l.mu.Unlock()

			_, err := l.out.Write(buf)

			l.mu.Lock()
			l.written = upto
			if err != nil && l.err == nil {
				l.err = err
			}
			l.spare = buf[:0]  // at most maxQueuedLog and a line: reused
			l.cond.Broadcast() // flushed so far
			l.mu.Unlock()
		}
	}
}
