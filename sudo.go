package vmconn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/vmconn/vmconn/internal/envelope"
	"golang.org/x/crypto/ssh"
)

// ErrSudo: sudo did not run the command: it needs a password and none
// was given, the password is wrong, the user may not use sudo, or sudo is
// missing. Returned as a *SudoError. Not retryable.
var ErrSudo = errors.New("sudo refused")

// SudoError reports that sudo did not start the command.
type SudoError struct {
	Msg              string // what sudo said on stderr, trimmed (may be empty)
	Status           int    // sudo's exit status
	PasswordRequired bool   // no password was given and sudo asked for one
	WrongPassword    bool   // the password given was refused as incorrect
}

func (e *SudoError) Error() string {
	s := "vmconn: sudo refused to run the command"
	switch {
	case e.WrongPassword:
		s += ": wrong password"
	case e.PasswordRequired:
		s += ": a password is required (set SudoCmd.Password)"
	}
	if e.Msg != "" {
		s += " (" + e.Msg + ")"
	}
	return s
}

// Unwrap returns ErrSudo.
func (e *SudoError) Unwrap() error { return ErrSudo }

// SudoCmd is a command run as another user, root by default, through
// sudo on the remote machine. Set the fields of the embedded Cmd
// (Stdin, Stdout, Stderr, Env, PTY, RebootGuard, ...) and its own, then
// call Run, Output, CombinedOutput, or Start and Wait, as for a Cmd:
// output streams the same way, the command's exit status comes back as
// an *ExitError, and a sudo that refused comes back as a *SudoError.
//
// The command line runs in sh as the target user; Env is exported there
// (sudo would drop it otherwise). When the context ends, the whole
// process group is killed, as root: vmconn signals sudo with
// Cmd.CancelSignal (SIGTERM by default; sudo relays it, and cannot relay
// SIGKILL), and a trap in the root shell kills the group.
type SudoCmd struct {
	*Cmd

	// User to run the command as. Zero means root.
	User string

	// Password is sudo's password. Zero means sudo must not ask for one
	// (NOPASSWD, sudo -n). It is written to the remote sudo's standard
	// input only when sudo prints its prompt, once, and nowhere else: it
	// appears on no command line, in no log and in no output, never
	// reaches the command (also where sudo does not ask), and with a PTY,
	// echo is turned off. Do not combine it with Cmd.Retries.
	Password string

	filter   *sudoFilter
	gate     *sudoGate
	prepared bool
}

// Sudo returns a SudoCmd that runs command through sudo. See SudoCmd.
func (c *Client) Sudo(ctx context.Context, command string) *SudoCmd {
	cmd := c.Command(ctx, command)
	cmd.CancelSignal = ssh.SIGTERM
	return &SudoCmd{Cmd: cmd}
}

// Start starts the command; Wait must be called, as for Cmd.
func (s *SudoCmd) Start() error {
	if err := s.prepare(); err != nil {
		return err
	}
	err := s.Cmd.Start()
	if err != nil {
		s.gate.close()
	}
	return err
}

// Wait waits for the command, as Cmd.Wait, and reports a refusal by sudo
// as a *SudoError.
func (s *SudoCmd) Wait() error { return s.result(s.Cmd.Wait()) }

// Run runs the command and waits for it, as Cmd.Run.
func (s *SudoCmd) Run() error {
	if err := s.prepare(); err != nil {
		return err
	}
	return s.result(s.Cmd.Run())
}

// Output runs the command and returns its standard output, as
// Cmd.Output.
func (s *SudoCmd) Output() ([]byte, error) {
	if s.Stdout != nil {
		return nil, errors.New("vmconn: Stdout already set")
	}
	var out bytes.Buffer
	s.Stdout = &out
	var errBuf *cappedBuffer
	if s.Stderr == nil {
		errBuf = &cappedBuffer{max: 64 << 10}
		s.Stderr = errBuf
	}
	err := s.Run()
	var ee *ExitError
	if errBuf != nil && errors.As(err, &ee) {
		ee.Stderr = errBuf.Bytes()
	}
	return out.Bytes(), err
}

// CombinedOutput runs the command and returns its standard output and
// standard error together, as Cmd.CombinedOutput.
func (s *SudoCmd) CombinedOutput() ([]byte, error) {
	if s.Stdout != nil || s.Stderr != nil {
		return nil, errors.New("vmconn: Stdout or Stderr already set")
	}
	var b syncBuffer
	s.Stdout, s.Stderr = &b, &b
	err := s.Run()
	return b.Bytes(), err
}

// prepare turns the Cmd into the sudo invocation, once.
func (s *SudoCmd) prepare() error {
	if s.prepared {
		return nil
	}
	if s.Cmd == nil || s.client == nil {
		return fmt.Errorf("vmconn: SudoCmd not made by Client.Sudo: %w", ErrConfig)
	}
	if s.Raw {
		return fmt.Errorf("vmconn: sudo needs a POSIX shell, not Raw: %w", ErrConfig)
	}
	if strings.ContainsAny(s.Password, "\n\r\x00") {
		return fmt.Errorf("vmconn: sudo password holds a newline or NUL: %w", ErrConfig)
	}
	exports, err := envPrefix(s.Env)
	if err != nil {
		return err
	}
	token := s.client.markerToken()
	s.Command = sudoLine(s.Command, s.User, s.Password != "", exports != "", token)
	in := s.Stdin
	if in == nil {
		in = strings.NewReader("")
	}
	var header []byte
	if exports != "" {
		header = envelope.Header(exports)
	}
	s.gate = newSudoGate(s.Password, withHeader(header, in))
	s.Stdin, s.Env = s.gate, nil
	s.filter = newSudoFilter(token, s.gate)
	if s.PTY != nil { // stderr arrives on the terminal, merged into stdout
		s.filter.dst, s.Stdout = s.Stdout, s.filter
		s.PTY = quietPTY(s.PTY, s.Password != "" || header != nil)
	} else {
		s.filter.dst, s.Stderr = s.Stderr, s.filter
	}
	s.prepared = true
	return nil
}

// quietPTY returns p with echo off when a secret (a password, Env
// values) goes through it.
func quietPTY(p *PTY, secret bool) *PTY {
	if !secret || p.Modes == nil {
		return p
	}
	q := *p
	q.Modes = ssh.TerminalModes{}
	for k, v := range p.Modes {
		q.Modes[k] = v
	}
	q.Modes[ssh.ECHO] = 0
	return &q
}

// result reports an exit without the start marker as sudo's refusal.
func (s *SudoCmd) result(err error) error {
	if s.filter == nil {
		return err
	}
	s.gate.close()
	if ferr := s.filter.finish(); err == nil && ferr != nil {
		return ferr
	}
	var ee *ExitError
	if s.filter.started() || !errors.As(err, &ee) {
		return err
	}
	var lines []string
	for _, l := range strings.Split(s.filter.said(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	msg := strings.Join(lines, "; ")
	return &SudoError{
		Msg:              msg,
		Status:           ee.Status,
		WrongPassword:    s.filter.asked() > 1 || s.filter.asked() == 1 && strings.Contains(msg, "incorrect password"),
		PasswordRequired: s.Password == "" && strings.Contains(msg, "password is required"),
	}
}
