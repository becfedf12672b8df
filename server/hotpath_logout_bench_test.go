package server

import (
	"io"
)

// benchLogOutput is where the benchmark's logger writes: the file itself,
// as idcmd wrote stdout before the log writer.
func benchLogOutput(f io.Writer) (io.Writer, func()) { return f, func() {} }
