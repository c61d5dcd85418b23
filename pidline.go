package vmconn

import (
	"bytes"
	"io"
	"strconv"
	"sync/atomic"
)

// A wrapped command first prints one line, "<marker><pid>", so that the
// client knows the remote shell's pid, which is also its process group
// (sshd starts every session in a new session and process group). The
// pidFilter removes that line from stdout before the caller sees it.

const maxPidSearch = 64 << 10 // give up looking for the line after this

func pidMarker(token string) []byte { return []byte("__vmconn_pid_" + token + "=") }

// pidFilter is an io.Writer that passes everything to dst except the pid
// line. Bytes before the line (a chatty login script) pass through too.
type pidFilter struct {
	dst    io.Writer
	marker []byte
	buf    []byte
	done   bool // found, or given up
	pid    atomic.Int64
}

func newPidFilter(dst io.Writer, token string) *pidFilter {
	if dst == nil {
		dst = io.Discard
	}
	return &pidFilter{dst: dst, marker: pidMarker(token)}
}

// Pid returns the remote pid, or 0 if it is not known (yet).
func (f *pidFilter) Pid() int { return int(f.pid.Load()) }

func (f *pidFilter) Write(p []byte) (int, error) {
	if f.done {
		return f.dst.Write(p)
	}
	f.buf = append(f.buf, p...)
	for {
		nl := bytes.IndexByte(f.buf, '\n')
		if nl < 0 {
			if len(f.buf) > maxPidSearch {
				f.done = true
				return len(p), f.flush(f.buf)
			}
			return len(p), nil
		}
		line := bytes.TrimSuffix(f.buf[:nl], []byte("\r"))
		rest := f.buf[nl+1:]
		if pid, ok := f.parse(line); ok {
			f.pid.Store(int64(pid))
			f.done = true
			return len(p), f.flush(rest)
		}
		if err := f.flush(f.buf[:nl+1]); err != nil {
			return len(p), err
		}
		f.buf = rest
	}
}

func (f *pidFilter) parse(line []byte) (int, bool) {
	digits, ok := bytes.CutPrefix(line, f.marker)
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(string(digits))
	return pid, err == nil && pid > 1
}

func (f *pidFilter) flush(b []byte) error {
	if len(b) == 0 {
		f.buf = nil
		return nil
	}
	_, err := f.dst.Write(b)
	f.buf = nil
	return err
}

// Close passes on bytes still held (output with no newline that never
// reached the pid line).
func (f *pidFilter) Close() error {
	if f.done {
		return nil
	}
	f.done = true
	return f.flush(f.buf)
}
