package vmtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
)

// A Handler answers the commands a Server receives, as an http.Handler
// answers requests. Options.Handler sets a server's Handler; Fakes is a
// Handler that answers from a table, and Shell is the one a server uses
// by default.
//
// ServeCommand is called in a goroutine of its own for each exec request
// ("shell" requests without a command and the sftp subsystem do not reach
// it). It writes the command's output to c.Stdout and c.Stderr and
// returns how the command ends; the server then sends the exit status
// (or signal, or fault) and closes the channel. ServeCommand must return
// once c.Context ends.
type Handler interface {
	ServeCommand(c *Command) Exit
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(c *Command) Exit

// ServeCommand calls f(c).
func (f HandlerFunc) ServeCommand(c *Command) Exit { return f(c) }

// A Command is one exec request as a Handler sees it.
type Command struct {
	// Line is the command as the client gave it: for vmconn, Cmd.Command
	// without vmconn's envelope (see vmconn's REMOTE.md); for any other
	// client, the exec request as sent. A command that vmconn runs with
	// sudo is "exec sudo ...", its inner command quoted.
	Line string

	// Env holds the variables the client set: SSH "env" requests, and,
	// when the server has a Handler (Options.Handler), vmconn's Cmd.Env,
	// which vmconn sends in a header on standard input and vmtest reads
	// off before the Handler runs. It is never nil.
	Env map[string]string

	// Stdin is the command's standard input, after vmconn's Env header.
	// On a PTY it reads what the client types; it has no end of file then.
	Stdin io.Reader

	// Stdout and Stderr reach the client's standard output and error. On
	// a PTY the client gets both as terminal output.
	Stdout, Stderr io.Writer

	// PTY reports whether the client asked for a terminal (pty-req).
	PTY bool

	ss     *session
	raw    string // the exec request as received
	header []byte // vmconn's Env header as read from stdin, given back to the shell
}

// Context returns a context that ends when the client closes the
// command's channel, its connection ends (DropConnections, Reboot) or
// the server closes.
func (c *Command) Context() context.Context { return c.ss.ctx }

// Signals returns the names of the signals ("TERM", "INT", ...) the client
// sent to the command with "signal" requests, while no process runs it.
// At most a few unread ones are kept.
func (c *Command) Signals() <-chan string { return c.ss.sigs }

// Server returns the server that received the command.
func (c *Command) Server() *Server { return c.ss.srv }

// shellStdin returns the standard input for the real shell: the Env
// header as it came, then the rest.
func (c *Command) shellStdin() io.Reader {
	if c.header == nil {
		return c.Stdin
	}
	return io.MultiReader(bytes.NewReader(c.header), c.Stdin)
}

// newCommand returns the Command for the exec request cmdline, whose
// caller's command is line, reading stdin. With a Handler set, it first reads vmconn's
// Env header from stdin.
func (ss *session) newCommand(cmdline, line string, stdin io.Reader) *Command {
	c := &Command{
		Line: line, Env: envMap(ss.env), Stdin: stdin, Stdout: ss.ch, Stderr: ss.ch.Stderr(),
		PTY: ss.pty != nil, ss: ss, raw: cmdline,
	}
	if ss.srv.opts.Handler != nil && hasHeader(cmdline, line) {
		c.readHeader()
	}
	return c
}

// handler returns the server's Handler: Options.Handler, or Shell.
func (s *Server) handler() Handler {
	if s.opts.Handler != nil {
		return s.opts.Handler
	}
	return Shell
}

// Shell is the Handler of a server without Options.Handler: it runs each
// command, exactly as the client sent it (for vmconn, in its envelope,
// Env header and all), in Options.Shell on the local machine, in its own
// session and process group. Only commands that could reboot or power
// off the machine, and the read of the kernel's boot id, are answered
// without the shell (see the package documentation). A Handler passes a
// command on to the real shell by calling Shell.ServeCommand(c), before
// reading c.Stdin.
var Shell Handler = shellHandler{}

// shellHandler is the type of Shell.
type shellHandler struct{}

// ServeCommand runs c in the shell, or in an intercepting fake.
func (shellHandler) ServeCommand(c *Command) Exit {
	s := c.ss.srv
	if fake := intercept(c.Line); fake != nil {
		s.log.Debug("vmtest: exec intercepted", "cmd", c.Line)
		if status := fake(s, c.Line, c.Stdout, c.Stderr); status >= 0 {
			return Exit{Status: status}
		}
		return Exit{Fault: NoExitStatus}
	}
	return c.ss.runShell([]string{s.opts.Shell, "-c", c.raw}, c.shellStdin())
}

// Refuse is a Handler that runs nothing: it answers every command with
// "vmtest: refused: ..." on stderr and exit status 127, as a shell does
// for a command it cannot find. Use it as Fakes.Fallback to make sure a
// test runs only the commands it fakes.
var Refuse Handler = HandlerFunc(func(c *Command) Exit {
	fmt.Fprintf(c.Stderr, "vmtest: refused: no fake answers %q\n", c.Line)
	return Exit{Status: 127}
})
