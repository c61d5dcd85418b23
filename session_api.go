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
// by ctx: when ctx ends first, the session's channel is closed and the
// error wraps ctx's error (call Close still, to free the slot). A refusal
// by the server is an *OpError (op "subsystem") saying so.
func (s *Session) RequestSubsystem(ctx context.Context, name string) error {
	stop := context.AfterFunc(ctx, func() { s.s.Close() })
	err := s.s.RequestSubsystem(name)
	if !stop() || ctx.Err() != nil {
		if err == nil {
			err = ctx.Err()
		}
		return s.c.opError("subsystem", contextError(ctx, refusedSubsystem(name, err)))
	}
	if err != nil {
		return s.c.opError("subsystem", refusedSubsystem(name, err))
	}
	return nil
}

// refusedSubsystem is the error of a subsystem request that failed.
func refusedSubsystem(name string, err error) error {
	return fmt.Errorf("server refused the %s subsystem: %w", name, err)
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
