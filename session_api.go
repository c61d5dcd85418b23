package vmconn

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/crypto/ssh"
)

// Session is one SSH session of a Client, opened with NewSession, for
// protocols that vmconn does not wrap: a subsystem such as SFTP (package
// transfer is built on it), or a program that speaks its own protocol
// over stdin and stdout. It holds one of the client's session slots
// (Config.MaxSessions) until Close, so it counts against the same limit
// as the commands it runs beside. It ends with the connection it was
// opened on: after a reconnection, open a new one.
//
// Its methods may be called from several goroutines; the x/crypto
// session's own rules apply to what is done with SSH().
type Session struct {
	c    *Client
	s    *session
	once sync.Once
}

// NewSession waits for a free session slot, as Command does, and opens a
// session, reconnecting first if the connection was lost. Waiting and
// opening are bounded by ctx; the session itself is not: it stays open
// until Close (or until its connection ends), whatever becomes of ctx.
// Errors are *OpError values (op "session"); a zero Client's wrap
// ErrConfig.
func (c *Client) NewSession(ctx context.Context) (*Session, error) {
	if err := c.dialed(); err != nil {
		return nil, err
	}
	s, err := c.openSession(ctx)
	if err != nil {
		return nil, err
	}
	return &Session{c: c, s: s}, nil
}

// SSH returns the underlying x/crypto session, for its pipes (StdinPipe,
// StdoutPipe, StderrPipe), Setenv, RequestPty, Start and Wait. Close the
// Session, not this, to free its slot.
func (s *Session) SSH() *ssh.Session { return s.s.Session }

// RequestSubsystem asks the server to start the named subsystem (such as
// "sftp") on the session; set up its pipes first. The request is bounded
// by ctx and by the connection: when ctx ends first, the session's
// channel is closed and the error wraps ctx's error (call Close still, to
// free the slot). A refusal by the server is an *OpError (op
// "subsystem") wrapping ErrRefused.
func (s *Session) RequestSubsystem(ctx context.Context, name string) error {
	err := s.s.request(ctx, func() error { return s.s.RequestSubsystem(name) }, nil)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return s.c.opError("subsystem", contextError(ctx, refusedSubsystem(name, err)))
	case s.s.cn.alive():
		err = &refusal{err: err}
	}
	return s.c.opError("subsystem", refusedSubsystem(name, err))
}

// refusedSubsystem is the error of a subsystem request that failed.
func refusedSubsystem(name string, err error) error {
	return fmt.Errorf("server refused the %s subsystem: %w", name, err)
}

// refusal is the server's "no" to a request, err, which it reads as:
// errors.Is finds ErrRefused and err.
type refusal struct{ err error }

func (r *refusal) Error() string { return r.err.Error() }

func (r *refusal) Unwrap() []error { return []error{ErrRefused, r.err} }

// SideOutput runs a short helper command (a checksum, say) for the
// holder of this session and returns its standard output (at most 64
// KiB). It takes no slot of its own: waiting for one while this session
// holds the last would wait for ever. When the server refuses a second
// session (sshd's MaxSessions 1), the command runs over a spare
// connection of its own, closed afterwards. It is bounded by ctx; a
// failed command is an *ExitError with the start of its stderr.
func (s *Session) SideOutput(ctx context.Context, command string) ([]byte, error) {
	return s.c.sideOutput(ctx, command)
}

// Close closes the session's channel and frees its slot. It is
// idempotent and returns nil.
func (s *Session) Close() error {
	s.once.Do(func() {
		s.s.Close()
		s.s.release()
	})
	return nil
}
