package vmconn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/vmconn/vmconn/internal/backoff"
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

// ErrRefused: the server answered a session request (pty-req, env, exec,
// subsystem) with a refusal, such as a pty under "PermitTTY no" or an
// env variable that AcceptEnv does not list, or kept refusing to open a
// session for longer than Config.SessionWait. The connection is fine; not
// retryable: the server will refuse the same request again.
var ErrRefused = errors.New("request refused by the server")

// request runs one blocking session request (env, pty-req, exec,
// subsystem) bounded by ctx and by the connection: x/crypto's calls take
// no context, and a server that never answers would block them for ever.
// A connection that ends (closed, or found dead by keepalive) fails the
// request at once. When ctx ends first, the session is closed and request
// returns an error wrapping ctx's; the request's goroutine ends when the
// server answers or the connection ends, and the connection's close waits
// for it. late, if not nil, is called in that goroutine when the
// abandoned request ends.
func (s *session) request(ctx context.Context, do func() error, late func(error)) error {
	ch := make(chan error) // unbuffered: a late result meets abandoned
	abandoned := make(chan struct{})
	if !s.cn.add(1) { // closing: the request would fail with the connection
		return s.cn.ended()
	}
	go func() {
		defer s.cn.wg.Done()
		err := do()
		select {
		case ch <- err:
		case <-abandoned:
			if late != nil {
				late(err)
			}
		}
	}()
	select {
	case err := <-ch: // also when the connection ends: that fails the request at once
		return err
	case <-ctx.Done():
	}
	close(abandoned)
	s.Close()
	return contextError(ctx, nil)
}

// requestError classifies a failed request: a refusal (no error from the
// transport, just "no"), a lost connection, or the context's end.
func (c *Client) requestError(ctx context.Context, s *session, op string, err error) error {
	switch {
	case ctx.Err() != nil && !errors.Is(err, ErrConnLost) && !errors.Is(err, ErrClosed):
		return c.opError(op, fmt.Errorf("no answer from the server: %w", contextError(ctx, nil)))
	case !s.cn.alive():
		return c.opError(op, s.cn.err)
	case errors.Is(err, io.EOF), linkError(err): // the channel or the link closed: is the connection dying?
		if lost := s.cn.probe(probeTimeout(s.cn)); lost != nil {
			return c.opError(op, whyEnded(s.cn, lost))
		}
		return c.opError(op, fmt.Errorf("%w: the server closed the session", ErrRefused))
	case errors.Is(err, ErrConnLost), errors.Is(err, ErrClosed):
		return c.opError(op, err)
	}
	return c.opError(op, fmt.Errorf("%w: %w", ErrRefused, err))
}

// linkError reports an error of the link itself, such as a write to a
// connection that the peer reset before the reader noticed: not a
// refusal (x/crypto's refusals are plain errors, not net errors).
func linkError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne)
}

// whyEnded says why a connection that failed a probe is gone: its own
// reason (ErrClosed after Close) once its watcher has seen the end, or
// ErrConnLost when it stalled.
func whyEnded(cn *conn, lost error) error {
	if !errors.Is(lost, ErrTimeout) {
		t := time.NewTimer(probeTimeout(cn))
		defer t.Stop()
		select {
		case <-cn.done:
			return cn.err
		case <-t.C:
		}
	}
	if errors.Is(lost, ErrConnLost) {
		return lost
	}
	return classed(ErrConnLost, lost)
}

// gate stands between a session's streams and the caller's: once shut,
// a request that the server answered too late cannot touch the caller's
// reader or writers any more (shut waits for writes in progress).
type gate struct {
	mu   sync.RWMutex
	shut atomic.Bool
}

func (g *gate) close() {
	g.mu.Lock()
	g.shut.Store(true)
	g.mu.Unlock()
}

func (g *gate) writer(w io.Writer) io.Writer {
	if w == nil {
		return nil
	}
	return gatedWriter{g, w}
}

func (g *gate) reader(r io.Reader) io.Reader {
	if r == nil {
		return nil
	}
	return gatedReader{g, r}
}

type gatedWriter struct {
	g *gate
	w io.Writer
}

func (w gatedWriter) Write(p []byte) (int, error) {
	w.g.mu.RLock()
	defer w.g.mu.RUnlock()
	if w.g.shut.Load() {
		return len(p), nil
	}
	return w.w.Write(p)
}

type gatedReader struct {
	g *gate
	r io.Reader
}

// Read cannot hold the gate across a read that may block for ever (a
// terminal): a read already under way when the gate shuts still ends.
func (r gatedReader) Read(p []byte) (int, error) {
	if r.g.shut.Load() {
		return 0, io.EOF
	}
	return r.r.Read(p)
}

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
	if sessionRefused(err) != nil && c.CloseWarmSession(ctx) { // it may have held the server's last slot
		for try := 0; try < 5 && sessionRefused(err) != nil && backoff.Sleep(ctx, 5*time.Millisecond<<try) == nil; try++ {
			s, err = c.newSession(ctx, cn)
		}
	}
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
