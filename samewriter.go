package vmconn

import (
	"io"
	"sync"
)

// serialWriters returns the writers a session should use for a command's
// stdout and stderr. When both are the same writer (the same comparable
// interface value, as os/exec checks), they are wrapped in one writer
// whose writes are serialised, since the two streams are copied by two
// goroutines; otherwise they are returned as they are.
func serialWriters(stdout, stderr io.Writer) (io.Writer, io.Writer) {
	if stdout == nil || !sameWriter(stdout, stderr) {
		return stdout, stderr
	}
	w := &lockedWriter{w: stdout}
	return w, w
}

// sameWriter reports whether a and b are equal interface values; values
// of uncomparable types are never equal (os/exec's interfaceEqual).
func sameWriter(a, b io.Writer) (same bool) {
	defer func() { _ = recover() }()
	return a == b
}

// lockedWriter serialises the writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
