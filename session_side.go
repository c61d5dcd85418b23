package vmconn

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/crypto/ssh"
)

// sideOutput runs a short helper command (a checksum) for an operation
// that already holds a session, such as an SFTP copy, and returns its
// standard output (at most 64 KiB). It takes no client slot. When the
// server refuses a second session (MaxSessions 1: the caller's own
// session holds the slot, and would hold it while waiting for ever), the
// command runs over a spare connection of its own, closed afterwards.
func (c *Client) sideOutput(ctx context.Context, command string) ([]byte, error) {
	cn, err := c.live(ctx)
	if err != nil {
		return nil, err
	}
	s, err := c.newSession(ctx, cn)
	if sessionRefused(err) == nil {
		if err != nil {
			return nil, err
		}
		return c.runSide(ctx, &session{Session: s, cn: cn, release: func() {}}, command)
	}
	c.log.Debug("vmconn: second session refused; running the helper command over a spare connection", "err", err)
	spare, err := c.dialConn(ctx)
	if err != nil {
		return nil, err
	}
	defer spare.close(ErrClosed)
	ss, err := c.sessionOn(ctx, spare)
	if err != nil {
		return nil, err
	}
	return c.runSide(ctx, ss, command)
}

// runSide runs command on s, bounded by ctx, and closes s.
func (c *Client) runSide(ctx context.Context, s *session, command string) ([]byte, error) {
	defer s.Close()
	out := &limitedBuffer{max: 64 << 10}
	errOut := &limitedBuffer{max: 4 << 10}
	s.Stdout, s.Stderr = out, errOut
	err := s.request(ctx, func() error { return s.Run(command) }, nil)
	var ee *ssh.ExitError
	switch {
	case err == nil:
		return out.b, nil
	case errors.As(err, &ee):
		return out.b, &ExitError{Status: ee.ExitStatus(), Signal: ee.Signal(), Msg: ee.Msg(), Stderr: errOut.b}
	case ctx.Err() != nil:
		return nil, c.opError("run", contextError(ctx, nil))
	case !s.cn.alive():
		return nil, c.opError("run", s.cn.err)
	}
	return nil, c.opError("run", fmt.Errorf("%w: %w", ErrNoExitStatus, err))
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	b   []byte
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}
