package server

import (
	"io"
)

// benchLogOutput is where the benchmark's logger writes: the file through
// a LogWriter, as idcmd serve writes stdout.
func benchLogOutput(f io.Writer) (io.Writer, func()) {
	l := NewLogWriter(f)
	return l, func() { _ = l.Close() }
}
