package vmconn

import (
	"bytes"
	"io"
)

// hostOutput is where one host's output goes in a fan-out: FanOut.Output's
// writers, prefixed lines, or buffers that collect it.
type hostOutput struct {
	lines          *Lines
	stdout, stderr *bytes.Buffer
}

// writers returns the command's Stdout and Stderr for host.
func (h *hostOutput) writers(f *FanOut, host string, out, errOut *prefixWriter) (io.Writer, io.Writer) {
	switch {
	case f.Output != nil:
		return f.Output(host)
	case out != nil || errOut != nil:
		h.lines = NewLines(func(s Stream, line []byte) {
			if s == Stdout && out != nil {
				out.writeLine(host, line)
			} else if s == Stderr && errOut != nil {
				errOut.writeLine(host, line)
			}
		})
		return h.lines.Stdout(), h.lines.Stderr()
	}
	h.stdout, h.stderr = &bytes.Buffer{}, &bytes.Buffer{}
	return h.stdout, h.stderr
}

// finish ends the line splitting and returns what was collected, if
// anything.
func (h *hostOutput) finish() (stdout, stderr []byte) {
	if h.lines != nil {
		h.lines.Close()
	}
	if h.stdout == nil {
		return nil, nil
	}
	return h.stdout.Bytes(), h.stderr.Bytes()
}
