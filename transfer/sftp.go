package transfer

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"

	"github.com/pkg/sftp"
	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/errutil"
)

// SFTP is an SFTP session (github.com/pkg/sftp) over a Client's
// connection, for file operations that Upload and Download do not cover.
// It holds one of the client's session slots (vmconn.Config.MaxSessions)
// until Close. It is safe for concurrent use, as sftp.Client is.
type SFTP struct {
	*sftp.Client
	s    *vmconn.Session
	once sync.Once
}

// Open opens an SFTP session over c (vmconn.Client.NewSession), waiting
// for a session slot and reconnecting first if the connection was lost.
// The session ends with the connection it was opened on: after a
// reconnection, open a new one. The SFTP handshake is bounded by ctx.
//
// A server that closes the new session instead of answering its
// subsystem request (Dropbear does at times, right after another SFTP
// session ended: it pairs the exit of the old session's sftp-server with
// the new session) is asked again on a new session, twice at most:
// nothing ran on the closed one.
func Open(ctx context.Context, c *vmconn.Client) (*SFTP, error) {
	for attempt := 1; ; attempt++ {
		s, err := c.NewSession(ctx)
		if err != nil {
			return nil, err
		}
		sc, err := startSFTP(ctx, s)
		if err == nil {
			return &SFTP{Client: sc, s: s}, nil
		}
		s.Close()
		if attempt < 3 && closedUnanswered(err) && ctx.Err() == nil {
			continue
		}
		return nil, opError(c, "sftp", err)
	}
}

// closedUnanswered reports whether the server closed a session without
// answering its subsystem request, on a connection that lives on.
func closedUnanswered(err error) bool {
	return errors.Is(err, vmconn.ErrRefused) && errors.Is(err, io.EOF)
}

// startSFTP starts the sftp subsystem on s and its client, bounded by
// ctx. Its errors carry no operation or address.
func startSFTP(ctx context.Context, s *vmconn.Session) (*sftp.Client, error) {
	fail := func(err error) (*sftp.Client, error) {
		if ctx.Err() != nil {
			err = errutil.ContextError(ctx, err)
		}
		return nil, err
	}
	stdin, err := s.SSH().StdinPipe()
	if err != nil {
		return fail(err)
	}
	stdout, err := s.SSH().StdoutPipe()
	if err != nil {
		return fail(err)
	}
	if err := s.RequestSubsystem(ctx, "sftp"); err != nil {
		return nil, opCause(ctx, err) // the end of ctx is in it already
	}
	stop := context.AfterFunc(ctx, func() { s.SSH().Close() })
	defer stop()
	opts := []sftp.ClientOption{sftp.UseConcurrentWrites(true), sftp.MaxConcurrentRequestsPerFile(64)}
	sc, err := sftp.NewClientPipe(stdout, stdin, opts...)
	if err != nil {
		return fail(err)
	}
	if !stop() {
		sc.Close()
		return fail(ctx.Err())
	}
	return sc, nil
}

// Close ends the session, waits for its goroutine and frees its slot.
// It is idempotent and returns nil.
func (f *SFTP) Close() error {
	f.once.Do(func() {
		f.s.SSH().Close() // first, so that the sftp reader sees EOF at once
		_ = f.Client.Close()
		f.s.Close()
	})
	return nil
}

// opError names the operation and the address in err, as the core does:
// a *vmconn.OpError, or (for a cancelled context) a plain prefixed error.
func opError(c *vmconn.Client, op string, err error) error {
	if errors.Is(err, context.Canceled) {
		return errutil.Errorf("%s %s: %w", op, c.Addr(), err)
	}
	return &vmconn.OpError{Op: op, Addr: c.Addr(), Err: err}
}

// opCause returns what a *vmconn.OpError in err says went wrong, or the
// end of ctx, without the operation and address, so that the error can
// be named again ("sftp").
func opCause(ctx context.Context, err error) error {
	if oe := (*vmconn.OpError)(nil); errors.As(err, &oe) {
		return oe.Err
	}
	if ctx.Err() != nil {
		return errutil.ContextEnd(ctx)
	}
	return err
}

// remotePath turns "~/x" and "~" into paths relative to the remote home
// directory, where SFTP and commands start.
func remotePath(p string) string {
	switch {
	case p == "~" || p == "":
		return "."
	case strings.HasPrefix(p, "~/"):
		return "./" + strings.TrimLeft(p[2:], "/")
	}
	return p
}
