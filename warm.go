package vmconn

import (
	"bytes"
	"context"
	"io"
	"sync"
	"time"

	"github.com/vmconn/vmconn/internal/backoff"
	"github.com/vmconn/vmconn/internal/envelope"
)

// A warm session (Config.WarmSession) is a session opened, and its exec
// request answered, before the command it will run is known: the login
// shell has started, and /bin/sh waits on standard input for the
// command's script (envelope.Waiter), to evaluate it itself. The waiting
// shell exports the marker chosen for that command, so that its command
// line names the command (cancel looks for it there). A command then costs the time to
// write its script instead of a channel open, an exec and a login shell.
// The client keeps at most one. It prepares it after a command ends, on
// the connection that is up (it never reconnects for one), and gives it
// up when it has been idle for Config.WarmSession, when it ended, when
// a session is refused or the client's slots run short, and at Close.

// warmSession is one warm session, being prepared or ready.
type warmSession struct {
	ready  chan struct{} // closed when prepared (s set) or failed (s nil)
	s      *session
	token  string // the marker of the command it will run, exported by the waiting shell
	in     *deferredReader
	out    *deferredWriter
	errOut *deferredWriter
	waitCh chan error    // the session's end, for the command's Wait
	ended  chan struct{} // closed when the session ended
	idle   *time.Timer
}

// prepareWarm starts preparing a warm session, unless the client keeps
// none, has one, has no live connection, or would take its last slot.
func (c *Client) prepareWarm() {
	if c.cfg.WarmSession <= 0 {
		return
	}
	cn, err := c.current()
	if err != nil {
		return
	}
	c.warmMu.Lock()
	defer c.warmMu.Unlock()
	if c.warm != nil {
		return
	}
	select {
	case c.slots <- struct{}{}:
	default:
		return
	}
	release := sync.OnceFunc(func() { <-c.slots })
	if len(c.slots) >= cap(c.slots) || !cn.add(1) { // never the last slot
		release()
		return
	}
	w := &warmSession{ready: make(chan struct{}), token: c.markerToken()}
	c.warm = w
	go func() {
		defer cn.wg.Done()
		c.fillWarm(w, cn, release)
		close(w.ready)
		// A call that began to wait for a client slot while w was being
		// prepared found nothing ready to give up (openSession).
		if w.s != nil && c.slotWaiters.Load() > 0 {
			c.dropWarm(w, "client slot wanted")
		}
	}()
}

// fillWarm opens w's session on cn and starts the waiting shell (setting
// w.s), or gives the slot up; the caller then closes w.ready. It asks
// again (briefly) when the server refuses the session: OpenSSH frees a
// finished session's slot only when the next open arrives.
func (c *Client) fillWarm(w *warmSession, cn *conn, release func()) {
	ctx, cancel := context.WithTimeout(c.life, c.cfg.connectTimeout())
	defer cancel()
	pace := backoff.New(5*time.Millisecond, 100*time.Millisecond)
	for {
		ss, err := c.newSession(ctx, cn)
		if err == nil {
			if c.startWarm(ctx, w, &session{Session: ss, cn: cn, release: release}) {
				return
			}
			break
		}
		if sessionRefused(err) == nil || backoff.Sleep(ctx, pace.Next()) != nil {
			break
		}
	}
	release()
	c.forgetWarm(w)
}

// startWarm starts the waiting shell in s and makes w ready with it.
func (c *Client) startWarm(ctx context.Context, w *warmSession, s *session) bool {
	w.in, w.out, w.errOut = newDeferredReader(), newDeferredWriter(), newDeferredWriter()
	s.Stdin, s.Stdout, s.Stderr = w.in, w.out, w.errOut
	late := func(err error) { // answered after ctx ended: let it go
		if err == nil {
			_ = s.Wait()
		}
	}
	line, _ := envelope.WaiterLine(markerPrefix(w.token)) // a marker is direct-safe
	if err := s.request(ctx, func() error { return s.Start(line) }, late); err != nil {
		c.log.Debug("vmconn: no warm session", "err", err)
		w.unbind()
		s.Close()
		return false
	}
	w.s = s
	w.waitCh, w.ended = make(chan error, 1), make(chan struct{})
	w.idle = time.AfterFunc(c.cfg.WarmSession, func() { c.dropWarm(w, "idle") })
	if !s.cn.add(1) { // closing: the session ends with it
		w.waitCh <- s.Wait()
		close(w.ended)
		return true
	}
	go func() {
		defer s.cn.wg.Done()
		w.waitCh <- s.Wait()
		close(w.ended)
		c.dropWarm(w, "ended") // if no command took it
	}()
	return true
}

// takeWarm returns the warm session for a command, once it is ready and
// its connection has answered a keepalive (a warm session on a
// connection that died quietly would take the command with it, where a
// new session is opened on a new connection), or nil: the command opens
// its own session.
func (c *Client) takeWarm(ctx context.Context) *warmSession {
	c.warmMu.Lock()
	w := c.warm
	c.warm = nil
	c.warmMu.Unlock()
	if w == nil {
		return nil
	}
	select {
	case <-w.ready:
	case <-ctx.Done():
		go c.closeWarm(w, "context ended")
		return nil
	}
	if w.s == nil {
		return nil
	}
	w.idle.Stop()
	if isClosed(w.ended) {
		c.closeWarm(w, "ended")
		return nil
	}
	timeout := probeTimeout(w.s.cn)
	if d, ok := ctx.Deadline(); ok {
		timeout = max(min(timeout, time.Until(d)), time.Millisecond)
	}
	if err := w.s.cn.probe(timeout); err != nil {
		c.closeWarm(w, "no keepalive reply")
		return nil
	}
	return w
}

// forgetWarm clears the client's warm session if it is w, reporting
// whether it was.
func (c *Client) forgetWarm(w *warmSession) bool {
	c.warmMu.Lock()
	defer c.warmMu.Unlock()
	if c.warm != w {
		return false
	}
	c.warm = nil
	return true
}

// dropWarm gives w up, for the reason why, if it is still the client's,
// untaken.
func (c *Client) dropWarm(w *warmSession, why string) {
	if c.forgetWarm(w) {
		c.closeWarm(w, why)
	}
}

// CloseWarmSession closes the client's warm session (Config.WarmSession)
// if one is ready, and waits (bounded by ctx) until the server has ended
// it, which frees its session slot there. It reports whether there was
// one; the next command that ends prepares another. The client does so
// itself whenever the server refuses it a session. A program that opens
// session channels on SSH() directly (a proxy, say) calls it when the
// server refuses one, and asks again, a few times: OpenSSH may refuse
// the next open still (it frees a finished session's slot only when an
// open arrives).
func (c *Client) CloseWarmSession(ctx context.Context) bool {
	w := c.takeIdleWarm()
	if w == nil {
		return false
	}
	c.closeWarm(w, "closed by CloseWarmSession")
	select {
	case <-w.ended:
	case <-ctx.Done():
	}
	return true
}

// dropIdleWarm gives up the client's warm session, for the reason why,
// if it is ready, freeing its slots on the client and on the server, and
// reports whether it did.
func (c *Client) dropIdleWarm(why string) bool {
	w := c.takeIdleWarm()
	if w == nil {
		return false
	}
	c.closeWarm(w, why)
	return true
}

// takeIdleWarm takes the client's warm session if it is ready.
func (c *Client) takeIdleWarm() *warmSession {
	c.warmMu.Lock()
	defer c.warmMu.Unlock()
	w := c.warm
	if w == nil || !isClosed(w.ready) || w.s == nil {
		return nil
	}
	c.warm = nil
	return w
}

// closeWarm ends a warm session that no command took, once it is ready:
// end of input makes its shell exit without running anything.
func (c *Client) closeWarm(w *warmSession, why string) {
	<-w.ready
	if w.s == nil {
		return
	}
	c.log.Debug("vmconn: warm session closed", "why", why)
	w.idle.Stop()
	w.unbind()
	w.s.Close()
	w.s.release()
}

// unbind ends w's input and discards its output.
func (w *warmSession) unbind() {
	w.in.set(nil)
	w.out.set(nil)
	w.errOut.set(nil)
}

// isClosed reports whether ch is closed.
func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// warmable reports whether cmd may run in a warm session: an enveloped
// command without a PTY or sudo (those need requests before the exec).
func (cmd *Cmd) warmable() bool {
	return cmd.client.cfg.WarmSession > 0 && cmd.script != "" && cmd.PTY == nil && cmd.sudo == nil
}

// startOnWarm runs cmd in w: its script, with the marker the waiting
// shell exported, goes in a header ahead of the command's own standard
// input.
func (cmd *Cmd) startOnWarm(w *warmSession) {
	cmd.marker = w.token
	cmd.script, cmd.header, _ = envelopeScript(w.token, cmd.Env, cmd.Command) // as remoteLine did, with w's marker
	var g gate
	stdin, stdout, stderr := cmd.streams()
	in := io.Reader(bytes.NewReader(envelope.Header(cmd.script)))
	if stdin != nil {
		in = io.MultiReader(in, stdin)
	}
	w.out.set(g.writer(stdout))
	w.errOut.set(g.writer(stderr))
	w.in.set(g.reader(in))
	cmd.sess, cmd.waitCh = w.s, w.waitCh
}

// deferredReader is a warm session's standard input: reads wait until
// set gives the reader (nil: end of input).
type deferredReader struct {
	once  sync.Once
	ready chan struct{}
	r     io.Reader
}

func newDeferredReader() *deferredReader { return &deferredReader{ready: make(chan struct{})} }

func (d *deferredReader) set(r io.Reader) {
	d.once.Do(func() { d.r = r; close(d.ready) })
}

func (d *deferredReader) Read(p []byte) (int, error) {
	<-d.ready
	if d.r == nil {
		return 0, io.EOF
	}
	return d.r.Read(p)
}

// deferredWriter is a warm session's output. Until set gives the writer
// (nil: discard), it keeps what the machine sends (a login shell's
// greeting, say: without a warm session it would precede the command's
// output too), up to maxEarlyOutput, and never blocks: x/crypto's Wait
// waits for the copy that calls it, and a warm session's end must be
// seen at once.
type deferredWriter struct {
	mu    sync.Mutex
	bound bool
	w     io.Writer
	early []byte
}

// maxEarlyOutput bounds what a warm session keeps of the output that came
// before its command; more is dropped.
const maxEarlyOutput = 64 << 10

func newDeferredWriter() *deferredWriter { return &deferredWriter{} }

func (d *deferredWriter) set(w io.Writer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.bound {
		return
	}
	d.bound, d.w = true, w
	if w != nil && len(d.early) > 0 {
		_, _ = w.Write(d.early)
	}
	d.early = nil
}

func (d *deferredWriter) Write(p []byte) (int, error) {
	d.mu.Lock()
	if !d.bound {
		if len(d.early)+len(p) <= maxEarlyOutput {
			d.early = append(d.early, p...)
		}
		d.mu.Unlock()
		return len(p), nil
	}
	w := d.w
	d.mu.Unlock()
	if w == nil {
		return len(p), nil
	}
	return w.Write(p)
}
