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
)

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
