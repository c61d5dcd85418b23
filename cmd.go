package vmconn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// DefaultWaitDelay is how long a cancelled command is given to end after
// it was signalled before its session is closed.
const DefaultWaitDelay = 500 * time.Millisecond

// Cmd is a command to run on the remote machine, like os/exec.Cmd. Build
// it with Client.Command, set its fields, then call Run, Output,
// CombinedOutput, or Start and Wait. A Cmd cannot be reused.
type Cmd struct {
	// Command is the command line, run by /bin/sh on the machine whatever
	// the user's login shell (see "Remote shell" in the package doc).
	// Build it from untrusted words with ShellJoin.
	Command string

	// Stdin is the command's standard input; nil means empty input. When
	// Stdin is not exhausted, Wait does not wait for it.
	Stdin io.Reader

	// Stdout and Stderr receive the command's output as it arrives, in
	// chunks as the server sends them; nil discards. They may be the same
	// writer: as with os/exec, its writes are then serialised (otherwise
	// each is called from its own goroutine; see Lines for an adapter that
	// keeps lines whole).
	Stdout io.Writer
	Stderr io.Writer

	// Env holds "NAME=value" entries exported to the command. The values
	// travel on the channel's standard input ahead of Stdin, never on a
	// command line; with a PTY, echo is then turned off.
	Env []string

	// PTY, if set, runs the command on a pseudo-terminal; stderr is then
	// merged into Stdout by the terminal. Resize changes its size.
	PTY *PTY

	// Raw sends Command to the server exactly as is, to be parsed by the
	// login shell (or a forced command): no envelope, no marker, and Env
	// is sent as SSH "env" requests, which sshd drops unless AcceptEnv
	// allows them. Cancellation can then only signal over SSH.
	Raw bool

	// CancelSignal is sent when the context ends. Zero means SIGKILL, or
	// SIGTERM under Sudo (sudo relays it; it cannot relay SIGKILL).
	CancelSignal ssh.Signal

	// WaitDelay bounds how long Wait waits for a cancelled command to end
	// before it closes the session. Zero means DefaultWaitDelay.
	WaitDelay time.Duration

	// RebootGuard reads the machine's boot id before the command starts
	// and after it ends (reconnecting first if the connection was lost);
	// if it changed, Wait returns a *RebootError (ErrRebooted) wrapping
	// the command's own result.
	RebootGuard bool

	// Retries is how many times Run re-runs the command when the
	// connection was lost before the command finished. Only for
	// idempotent commands: each attempt's output reaches Stdout and Stderr,
	// so a retried command's partial output comes first. Stdin must be nil.
	// Zero (the default) never re-runs a command.
	Retries int

	// Sudo, if set, runs the command through sudo as Sudo.User (root by
	// default); see Sudo. Nil runs it as the logged-in user.
	Sudo *Sudo

	bootBefore string
	bootAfter  string // read by the reboot guard after the command (BootIDs)
	ctx        context.Context
	client     *Client
	sess       *session
	marker     string   // the command's marker token, "" when Raw
	script     string   // the script /bin/sh runs, "" when Raw
	header     []byte   // the envelope's stdin header (Env), nil for none
	sudo       *sudoRun // this attempt through sudo, nil without Sudo
	waitCh     chan error
	exitCode   int
	finished   bool
}

// PTY describes a pseudo-terminal for a command.
type PTY struct {
	Term  string            // zero means "xterm"
	Rows  int               // zero means 24
	Cols  int               // zero means 80
	Modes ssh.TerminalModes // nil means echo off, 14400 baud
}

// Command returns a Cmd that runs the command line on the client's
// machine. When ctx ends before the command does, the command is
// signalled over SSH and, from a second session, every remote process it
// started is killed with its process group (see MarkerEnv), for servers
// that ignore SSH signals; Wait returns within WaitDelay (plus one round
// trip) with an error wrapping the context's. When that kill cannot be
// confirmed (the server refused the second session), it is tried again
// once the command's session has closed, then, if the connection is
// still up, over a spare connection (bounded by ConnectTimeout); if the
// processes still cannot be confirmed gone, the error also wraps
// ErrNotStopped.
func (c *Client) Command(ctx context.Context, command string) *Cmd {
	return &Cmd{Command: command, ctx: ctx, client: c, exitCode: -1}
}

// Output runs command and returns its standard output.
func (c *Client) Output(ctx context.Context, command string) ([]byte, error) {
	return c.Command(ctx, command).Output()
}

// Run starts the command and waits for it to finish. It returns nil on
// exit status 0, an *ExitError for a non-zero status or a signal, and
// otherwise an error wrapping ErrNoExitStatus, ErrConnLost, ErrClosed or
// the context's error.
func (cmd *Cmd) Run() error {
	if cmd.Retries > 0 && cmd.Stdin != nil {
		return fmt.Errorf("vmconn: Retries needs a nil Stdin (input cannot be replayed): %w", ErrConfig)
	}
	for attempt := 0; ; attempt++ {
		err := cmd.Start()
		if err == nil {
			err = cmd.Wait()
		}
		if attempt >= cmd.Retries || !errors.Is(err, ErrConnLost) || errors.Is(err, ErrRebooted) || cmd.ctx.Err() != nil {
			return err
		}
		cmd.client.log.Info("vmconn: connection lost under a retried command; running it again", "attempt", attempt+1)
		cmd.sess, cmd.finished, cmd.exitCode = nil, false, -1
	}
}

// Start starts the command without waiting for it to finish. Wait must
// be called to release its resources.
func (cmd *Cmd) Start() (err error) {
	if cmd.client == nil || cmd.ctx == nil {
		return fmt.Errorf("vmconn: Cmd not made by Client.Command: %w", ErrConfig)
	}
	if err := cmd.client.dialed(); err != nil {
		return err
	}
	if cmd.sess != nil {
		return errors.New("vmconn: Start called twice")
	}
	line, err := cmd.remoteLine()
	if err != nil {
		return err
	}
	cmd.logCommand()
	if cmd.sudo != nil {
		defer func() {
			if err != nil {
				cmd.sudo.gate.close()
			}
		}()
	}
	if cmd.RebootGuard && cmd.bootBefore == "" {
		if cmd.bootBefore, err = cmd.client.BootID(cmd.ctx); err != nil {
			return guardReadFailed(err, "before", nil)
		}
	}
	if cmd.warmable() {
		if w := cmd.client.takeWarm(cmd.ctx); w != nil {
			cmd.client.log.Debug("vmconn: command in a warm session")
			cmd.startOnWarm(w)
			return nil
		}
	}
	s, err := cmd.client.openSession(cmd.ctx)
	if err != nil {
		return err
	}
	if err := cmd.start(s, line); err != nil {
		s.Close()
		s.release()
		return err
	}
	cmd.sess = s
	cmd.waitCh = make(chan error, 1)
	if !s.cn.add(1) { // closing: the session ends with it, at once
		cmd.waitCh <- s.Wait()
		return nil
	}
	go func() {
		defer s.cn.wg.Done()
		cmd.waitCh <- s.Wait()
	}()
	return nil
}

// remoteLine builds what the server's shell runs.
func (cmd *Cmd) remoteLine() (string, error) {
	if strings.TrimSpace(cmd.Command) == "" {
		return "", fmt.Errorf("vmconn: empty command: %w", ErrConfig)
	}
	if strings.IndexByte(cmd.Command, 0) >= 0 {
		return "", fmt.Errorf("vmconn: command holds a NUL byte: %w", ErrConfig)
	}
	if cmd.Raw && cmd.Sudo == nil {
		return cmd.Command, nil
	}
	command, env := cmd.Command, cmd.Env
	cmd.sudo = nil
	if cmd.Sudo != nil {
		var err error
		if command, cmd.sudo, err = cmd.sudoCommand(); err != nil {
			return "", err
		}
		env = nil // in the sudo gate's input
	}
	cmd.marker = cmd.client.markerToken()
	script, header, err := envelopeScript(cmd.marker, env, command)
	if err != nil {
		return "", err
	}
	cmd.header, cmd.script = header, script
	return envelopeLine(script)
}

// start sends the session's requests (env when Raw, pty-req, exec), each
// bounded by the context (session.go): a server that never
// answers cannot hold the caller. A refusal wraps ErrRefused, not
// ErrConnLost: the connection is fine and asking again will not help.
func (cmd *Cmd) start(s *session, line string) error {
	c, ctx := cmd.client, cmd.ctx
	if cmd.Raw {
		for _, kv := range cmd.Env {
			k, v, _ := strings.Cut(kv, "=")
			if err := s.request(ctx, func() error { return s.Setenv(k, v) }, nil); err != nil {
				return c.requestError(ctx, s, "env", fmt.Errorf("%s: %w", k, err))
			}
		}
	}
	if p := cmd.PTY; p != nil {
		p = quietPTY(p, cmd.header != nil || cmd.sudo != nil && cmd.sudo.secret)
		pty := func() error { return s.RequestPty(p.term(), p.rows(), p.cols(), p.modes()) }
		if err := s.request(ctx, pty, nil); err != nil {
			return c.requestError(ctx, s, "pty", err)
		}
	}
	var g gate
	stdin, stdout, stderr := cmd.streams()
	s.Stdin, s.Stdout, s.Stderr = g.reader(stdin), g.writer(stdout), g.writer(stderr)
	late := func(err error) { // exec answered after ctx ended: drain and let go
		if err == nil {
			_ = s.Wait()
		}
	}
	if err := s.request(ctx, func() error { return s.Start(line) }, late); err != nil {
		g.close()
		return c.requestError(ctx, s, "run", err)
	}
	return nil
}

// streams returns what the session reads and writes: the Env header and
// Stdin, and the writers (one lock when they are the same); under Sudo,
// the sudo gate and the filter on the stream where sudo speaks.
func (cmd *Cmd) streams() (io.Reader, io.Writer, io.Writer) {
	stdout, stderr := serialWriters(cmd.Stdout, cmd.Stderr)
	if cmd.sudo == nil {
		return withHeader(cmd.header, cmd.Stdin), stdout, stderr
	}
	stdout, stderr = cmd.sudo.streams(stdout, stderr, cmd.PTY != nil)
	return cmd.sudo.gate, stdout, stderr
}

func (p *PTY) term() string { return cmp(p.Term, "xterm") }
func (p *PTY) rows() int    { return cmp(p.Rows, 24) }
func (p *PTY) cols() int    { return cmp(p.Cols, 80) }
func (p *PTY) modes() ssh.TerminalModes {
	if p.Modes != nil {
		return p.Modes
	}
	return ssh.TerminalModes{ssh.ECHO: 0, ssh.TTY_OP_ISPEED: 14400, ssh.TTY_OP_OSPEED: 14400}
}

func cmp[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Resize tells the command's pseudo-terminal its new size, as a
// "window-change" request (RFC 4254 6.7): the remote program sees
// SIGWINCH and the new size. It needs a command started with a PTY and
// may be called from another goroutine while Wait runs, as a terminal's
// size changes. The request wants no reply, so Resize does not wait for
// the server; after the command has ended it returns an error.
func (cmd *Cmd) Resize(rows, cols int) error {
	switch {
	case cmd.PTY == nil:
		return fmt.Errorf("vmconn: Resize without a PTY: %w", ErrConfig)
	case cmd.sess == nil:
		return fmt.Errorf("vmconn: Resize before Start: %w", ErrConfig)
	case rows <= 0 || cols <= 0:
		return fmt.Errorf("vmconn: Resize to %dx%d: %w", rows, cols, ErrConfig)
	}
	if err := cmd.sess.WindowChange(rows, cols); err != nil {
		return fmt.Errorf("vmconn: window-change: %w", err)
	}
	return nil
}
