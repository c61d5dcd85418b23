package vmconn

import (
	"bytes"
	"fmt"
	"io"

	"github.com/vmconn/vmconn/internal/envelope"
)

// The envelope (see REMOTE.md and internal/envelope): every non-Raw
// command reaches the machine as one exec line that any login shell
// passes unchanged to /bin/sh, which runs
//
//	set --; export VMCONN_CMD=<token>; [read the Env header;] <command>
//
// Env values travel in a header on the channel's standard input, ahead
// of Stdin, so that they appear on no command line.

// envelopeScript returns the script a command runs in /bin/sh, and its
// standard input header (nil without Env).
func envelopeScript(marker string, env []string, command string) (script string, header []byte, err error) {
	exports, err := envPrefix(env)
	if err != nil {
		return "", nil, err
	}
	script = "set --; " + markerPrefix(marker)
	if exports != "" {
		script += envelope.ReadHeader
		header = envelope.Header(exports)
	}
	return script + command, header, nil
}

// envelopeLine wraps script into the exec request line.
func envelopeLine(script string) (string, error) {
	line, err := envelope.Line(script)
	if err != nil {
		return "", fmt.Errorf("vmconn: %w: %w", err, ErrConfig)
	}
	return line, nil
}

// withHeader puts header ahead of stdin.
func withHeader(header []byte, stdin io.Reader) io.Reader {
	if header == nil {
		return stdin
	}
	if stdin == nil {
		return bytes.NewReader(header)
	}
	return io.MultiReader(bytes.NewReader(header), stdin)
}
