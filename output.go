package vmconn

import (
	"bytes"
	"io"
	"sync"
)

// Stream names one of a command's output streams.
type Stream int

// The output streams.
const (
	Stdout Stream = 1
	Stderr Stream = 2
)

// String returns "stdout" or "stderr".
func (s Stream) String() string {
	if s == Stderr {
		return "stderr"
	}
	return "stdout"
}

// MaxLineLength is the longest line Lines holds; a longer one is passed
// on in pieces of this size, so memory stays bounded whatever the output.
const MaxLineLength = 64 << 10

// Lines adapts a per-line callback to a pair of io.Writers for
// Cmd.Stdout and Cmd.Stderr. The callback is called once per complete
// line (without its "\n"), one call at a time, in the order the lines
// arrived at the client. Within a stream that is the order the command
// wrote them; across the two streams it is arrival order, which matches
// the remote order except for writes closer together than the network
// jitter (SSH carries both streams on one channel, but separate buffers
// on the client side). Call Close after the command ends to pass on a
// last line that has no newline.
type Lines struct {
	mu     sync.Mutex
	fn     func(Stream, []byte)
	bufs   [3][]byte
	closed bool
}

// NewLines returns a Lines that calls fn for every line. The slice passed
// to fn is only valid during the call.
func NewLines(fn func(stream Stream, line []byte)) *Lines {
	return &Lines{fn: fn}
}

// Stdout returns the writer for the command's standard output.
func (l *Lines) Stdout() io.Writer { return lineWriter{l, Stdout} }

// Stderr returns the writer for the command's standard error.
func (l *Lines) Stderr() io.Writer { return lineWriter{l, Stderr} }

type lineWriter struct {
	l *Lines
	s Stream
}

func (w lineWriter) Write(p []byte) (int, error) {
	w.l.write(w.s, p)
	return len(p), nil
}

func (l *Lines) write(s Stream, p []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	buf := append(l.bufs[s], p...)
	for {
		nl := bytes.IndexByte(buf, '\n')
		if nl < 0 {
			break
		}
		l.fn(s, buf[:nl])
		buf = buf[nl+1:]
	}
	for len(buf) >= MaxLineLength {
		l.fn(s, buf[:MaxLineLength])
		buf = buf[MaxLineLength:]
	}
	l.bufs[s] = append(l.bufs[s][:0], buf...)
}

// Close passes on each stream's last line if it has no newline. It is
// idempotent.
func (l *Lines) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	for _, s := range []Stream{Stdout, Stderr} {
		if len(l.bufs[s]) > 0 {
			l.fn(s, l.bufs[s])
			l.bufs[s] = nil
		}
	}
	return nil
}

// cappedBuffer keeps the first max bytes written to it and drops the
// rest, reporting every write as complete. It has a Write method only:
// embedding bytes.Buffer would give it ReadFrom, which io.Copy (and so
// x/crypto's session) prefers, and the cap would never apply.
type cappedBuffer struct {
	buf []byte
	max int
}

// Write keeps what fits under the cap.
func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.max - len(b.buf); room > 0 {
		b.buf = append(b.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// Bytes returns the bytes kept.
func (b *cappedBuffer) Bytes() []byte { return b.buf }

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
