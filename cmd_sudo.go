package vmconn

import (
	"errors"
	"fmt"
	"io"
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
		s += ": a password is required (set Sudo.Password)"
	}
	if e.Msg != "" {
		s += " (" + e.Msg + ")"
	}
	return s
}

// Unwrap returns ErrSudo.
func (e *SudoError) Unwrap() error { return ErrSudo }

// Sudo, set as a Cmd's Sudo field, runs the command as another user, root
// by default, through sudo on the remote machine:
//
//	cmd := c.Command(ctx, "apt-get update")
//	cmd.Sudo = &vmconn.Sudo{Password: pw} // zero Sudo: root, NOPASSWD
//
// Everything else works as for any Cmd: output streams the same way, the
// command's exit status comes back as an *ExitError, and a sudo that
// refused comes back as a *SudoError (ErrSudo).
//
// The command line runs in sh as the target user; Env is exported there
// (sudo would drop it otherwise). When the context ends, the whole
// process group is killed, as root: vmconn signals sudo with
// Cmd.CancelSignal (SIGTERM by default under sudo; sudo relays it, and
// cannot relay SIGKILL), and a trap in the root shell kills the group.
// Sudo needs a POSIX shell: it cannot be combined with Cmd.Raw.
type Sudo struct {
	// User to run the command as. Zero means root.
	User string

	// Password is sudo's password. Zero means sudo must not ask for one
	// (NOPASSWD, sudo -n). It is written to the remote sudo's standard
	// input only when sudo prints its prompt, once, and nowhere else: it
	// appears on no command line, in no log and in no output, never
	// reaches the command (also where sudo does not ask), and with a PTY,
	// echo is turned off.
	Password string
}

// sudoRun is one attempt of a Cmd run through sudo: its gated standard
// input and the filter on the stream where sudo speaks.
type sudoRun struct {
	password bool // a password was given
	secret   bool // a password or Env values pass through the input
	gate     *sudoGate
	filter   *sudoFilter
}

// sudoCommand turns cmd into the sudo invocation: the outer command line
// and the state of this attempt. Env travels in the gated input.
func (cmd *Cmd) sudoCommand() (string, *sudoRun, error) {
	if cmd.Raw {
		return "", nil, fmt.Errorf("vmconn: sudo needs a POSIX shell, not Raw: %w", ErrConfig)
	}
	pw := cmd.Sudo.Password
	if strings.ContainsAny(pw, "\n\r\x00") {
		return "", nil, fmt.Errorf("vmconn: sudo password holds a newline or NUL: %w", ErrConfig)
	}
	exports, err := envPrefix(cmd.Env)
	if err != nil {
		return "", nil, err
	}
	token := cmd.client.markerToken()
	line := sudoLine(cmd.Command, cmd.Sudo.User, pw != "", exports != "", token)
	in := cmd.Stdin
	if in == nil {
		in = strings.NewReader("")
	}
	var header []byte
	if exports != "" {
		header = envelope.Header(exports)
	}
	gate := newSudoGate(pw, withHeader(header, in))
	r := &sudoRun{password: pw != "", secret: pw != "" || header != nil, gate: gate, filter: newSudoFilter(token, gate)}
	return line, r, nil
}

// streams puts the filter on the stream where sudo's messages arrive:
// stderr, or stdout with a PTY (which merges stderr into it).
func (r *sudoRun) streams(stdout, stderr io.Writer, pty bool) (io.Writer, io.Writer) {
	if pty {
		r.filter.dst = stdout
		return r.filter, stderr
	}
	r.filter.dst = stderr
	return stdout, r.filter
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
func (r *sudoRun) result(err error) error {
	r.gate.close()
	if ferr := r.filter.finish(); err == nil && ferr != nil {
		return ferr
	}
	var ee *ExitError
	if r.filter.started() || !errors.As(err, &ee) {
		return err
	}
	var lines []string
	for _, l := range strings.Split(r.filter.said(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	msg := strings.Join(lines, "; ")
	return &SudoError{
		Msg:              msg,
		Status:           ee.Status,
		WrongPassword:    r.filter.asked() > 1 || r.filter.asked() == 1 && strings.Contains(msg, "incorrect password"),
		PasswordRequired: !r.password && strings.Contains(msg, "password is required"),
	}
}

// The command line of a Cmd run with Sudo, in two shells.
//
// The outer one is /bin/sh in the envelope, as for every Cmd. It execs
// sudo once: "sudo -n" without a password; with one, "sudo -k -S -p
// PROMPT", where PROMPT is a marker. vmconn holds standard input back and
// writes the password line only when the marker arrives, that is, only
// when this one sudo asks; a second prompt (a wrong password) ends
// standard input instead. Where sudo does not ask (NOPASSWD), the password
// is never sent, so it can never become the command's input. Sent after
// the prompt, it also survives the flush of a terminal's input that sudo
// does before reading it.
//
// The inner one is sh as the target user. It prints a start marker on
// stderr (no marker: sudo refused), at which vmconn releases standard
// input: first the Env header (see REMOTE.md), which this shell reads and
// exports (sudo would drop the environment, and a command line would show
// the values), then the caller's Stdin. It runs the command as a job with
// that input, under a trap that kills the whole process group when sudo
// relays a TERM, INT or HUP.

func sudoMarker(token string) string { return "__vmconn_sudo_" + token + "_started" }
func sudoPrompt(token string) string { return "__vmconn_sudo_" + token + "_password:" }

// sudoLine builds the outer script; env says whether the inner shell
// reads an Env header.
func sudoLine(command, user string, password, env bool, token string) string {
	if user == "" {
		user = "root"
	}
	inner := "printf '%s\\n' " + sudoMarker(token) + " >&2; "
	if env {
		inner += envelope.ReadHeader
	}
	inner += "trap 'kill -s KILL 0' TERM INT HUP; exec 3<&0; sh -c " + ShellQuote(command) + " <&3 3<&- & wait $!"
	run := "-u " + ShellQuote(user) + " -- sh -c " + ShellQuote(inner)
	if !password {
		return "exec sudo -n " + run
	}
	return "exec sudo -k -S -p " + sudoPrompt(token) + " " + run
}
