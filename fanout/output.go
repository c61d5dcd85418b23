package fanout

import (
	"bytes"
	"io"

	"github.com/vmconn/vmconn"
)

// hostOutput is where one host's output goes in a fan-out: Options.Output's
// writers, prefixed lines, or buffers that collect it.
type hostOutput struct {
	lines          *vmconn.Lines
	stdout, stderr *bytes.Buffer
}

// writers returns the command's Stdout and Stderr for host, hosts[i].
func (h *hostOutput) writers(o *Options, i int, host string, out, errOut *prefixWriter) (io.Writer, io.Writer) {
	switch {
	case o.Output != nil:
		return o.Output(i, host)
	case out != nil || errOut != nil:
		h.lines = vmconn.NewLines(func(s vmconn.Stream, line []byte) {
			if s == vmconn.Stdout && out != nil {
				out.writeLine(host, line)
			} else if s == vmconn.Stderr && errOut != nil {
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
