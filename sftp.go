package vmconn

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/pkg/sftp"
)

// SFTPSession is an SFTP session (github.com/pkg/sftp) over a Client's
// connection, for file operations that Upload and Download do not cover.
// It holds one of the client's session slots (Config.MaxSessions) until
// Close. It is safe for concurrent use, as sftp.Client is.
type SFTPSession struct {
	*sftp.Client
	s    *session
	once sync.Once
}

// SFTP opens an SFTP session, reconnecting first if the connection was
// lost. The session ends with the connection it was opened on: after a
// reconnection, open a new one. The SFTP handshake is bounded by ctx.
func (c *Client) SFTP(ctx context.Context) (*SFTPSession, error) {
	if err := c.dialed(); err != nil {
		return nil, err
	}
	s, err := c.openSession(ctx)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*SFTPSession, error) {
		s.Close()
		s.release()
		if ctx.Err() != nil {
			err = contextError(ctx, err)
		}
		return nil, c.opError("sftp", err)
	}
	stdin, err := s.StdinPipe()
	if err != nil {
		return fail(err)
	}
	stdout, err := s.StdoutPipe()
	if err != nil {
		return fail(err)
	}
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	if err := s.request(ctx, func() error { return s.RequestSubsystem("sftp") }, nil); err != nil {
		return fail(fmt.Errorf("server refused the sftp subsystem: %w", err))
	}
	opts := []sftp.ClientOption{sftp.UseConcurrentWrites(true), sftp.MaxConcurrentRequestsPerFile(64)}
	sc, err := sftp.NewClientPipe(stdout, stdin, opts...)
	if err != nil {
		return fail(err)
	}
	if !stop() {
		sc.Close()
		return fail(ctx.Err())
	}
	return &SFTPSession{Client: sc, s: s}, nil
}

// Close ends the session, waits for its goroutine and frees its slot.
// It is idempotent and returns nil.
func (f *SFTPSession) Close() error {
	f.once.Do(func() {
		f.s.Close() // first, so that the sftp reader sees EOF at once
		_ = f.Client.Close()
		f.s.release()
	})
	return nil
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
