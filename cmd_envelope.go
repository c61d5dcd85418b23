package vmconn

import (
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/vmconn/vmconn/internal/envelope"
	"golang.org/x/crypto/ssh"
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

// Every wrapped command's script starts with "export VMCONN_CMD=<token>; ", a shell
// builtin that prints nothing and costs nothing measurable. The token is
// unique per command; every process the command starts inherits it. When
// the command is cancelled, a second session finds those processes in
// /proc and kills each one's process group, so nothing is left running
// even where sshd ignores SSH signal requests (OpenSSH does for root
// logins), and even children that moved to a session of their own
// (setsid), unless they cleared their environment.

// MarkerEnv is the environment variable that marks a command's processes
// on the remote machine.
const MarkerEnv = "VMCONN_CMD"

// markerToken returns a new token for one command of c.
func (c *Client) markerToken() string {
	return c.token + "-" + strconv.FormatUint(c.cmdSeq.Add(1), 10)
}

// markerPrefix is what precedes the command line.
func markerPrefix(token string) string {
	return "export " + MarkerEnv + "=" + token + "; "
}

// killMarkedScript returns the exec line (in the envelope, so that any
// login shell runs it) that kills, with sig, the process group of every
// process whose environment holds the marker, and the process itself,
// then exits 0 only once none is left (see markedGoneScript). It needs
// Linux's /proc and a grep that knows -z (GNU, busybox).
func killMarkedScript(token string, sig ssh.Signal) string {
	line, _ := envelope.Line(killMarked(token, sig) + "; " + markedGoneScript(token)) // short: always fits
	return line
}

// killMarked is the kill script itself, for /bin/sh. It finds the
// command's processes by their environment, and the command's own shell
// by its command line (see markedScan), and signals each, and the process
// group of each whose group leader is one of them. A group led by
// another process is not the command's: Dropbear runs a command in the
// process group of its own connection process, which a group kill would
// end with the connection.
func killMarked(token string, sig ssh.Signal) string {
	return fmt.Sprintf(`l=' '; for f in $(%s); do p=${f#/proc/}; l="$l${p%%/*} "; done; `+
		`for p in $l; do `+
		`g=$(sed -n 's/.*) [A-Za-z] [0-9]* \([0-9]*\) .*/\1/p' /proc/$p/stat 2>/dev/null); `+
		`case $l in *" $g "*) [ "$g" -gt 1 ] && kill -s %s -- -$g 2>/dev/null ;; esac; kill -s %s $p 2>/dev/null; `+
		`done; true`, markedScan(token, "l"), sig, sig)
}

// markedScan is a command that lists (grep flag "l") or finds ("q") the
// marked processes' /proc files. The processes the command starts carry
// the marker in their environment; the shell that runs the command does
// not (/proc/PID/environ is its environment at exec, and the marker is
// exported after), but its command line holds "export VMCONN_CMD=TOKEN; "
// in either form of the envelope: without that, a kill that comes while
// the shell has no child alive (between two commands of a loop) would
// miss it. The pattern's bracket keeps it from matching the command lines
// of this script and its grep.
func markedScan(token, flag string) string {
	join := "; " // list both
	if flag == "q" {
		join = " || " // either
	}
	last := len(MarkerEnv) - 1
	return fmt.Sprintf(`grep -%szx %s /proc/[0-9]*/environ 2>/dev/null%sgrep -%sz %s /proc/[0-9]*/cmdline 2>/dev/null`,
		flag, ShellQuote(MarkerEnv+"="+token), join,
		flag, ShellQuote("export "+MarkerEnv[:last]+"["+MarkerEnv[last:]+"]="+token+"; "))
}
