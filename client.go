package vmconn

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/vmconn/vmconn/internal/backoff"
)

// Client is an SSH connection to one machine. It is safe for concurrent
// use: commands run at once are multiplexed as sessions over the one
// connection, at most Config.MaxSessions at a time (more wait their turn).
// Make one with Dial: the methods of a zero Client fail at once with an
// error wrapping ErrConfig.
type Client struct {
	target  Target
	addr    string // host:port dialled
	user    string
	cfg     Config
	log     *slog.Logger
	token   string        // prefix of the per-command marker (cmd_envelope.go)
	cmdSeq  atomic.Uint64 // numbers the commands for their markers
	slots   chan struct{} // session semaphore
	dialing chan struct{} // held while reconnecting

	life  context.Context         // ends when Close is called
	kill  context.CancelCauseFunc // ends life, with ErrClosed
	dials sync.WaitGroup          // connections being made (addDial)

	mu         sync.Mutex
	conn       *conn
	closed     bool   // guards dials.Add too
	lastBootID string // last boot id read, to notice reboots on reconnect
	rebootedTo string // boot id of the last reboot reported (events.go)

	subs subscribers // Client.OnEvent's (events.go)

	warmMu      sync.Mutex
	warm        *warmSession // Config.WarmSession's (warm.go)
	slotWaiters atomic.Int32 // calls waiting for a client slot
}

func newClient(t Target, cfg *Config) *Client {
	port := cfg.Port
	if port == 0 {
		port = DefaultPort
	}
	var tok [8]byte
	_, _ = rand.Read(tok[:])
	life, kill := context.WithCancelCause(context.Background())
	return &Client{
		life:    life,
		kill:    kill,
		target:  t,
		addr:    t.hostPort(port),
		user:    loginName(cfg, t),
		cfg:     *cfg,
		log:     cfg.logger(),
		token:   hex.EncodeToString(tok[:]),
		slots:   make(chan struct{}, cfg.maxSessions()),
		dialing: make(chan struct{}, 1),
	}
}

// Addr returns the "host:port" the client is connected to.
func (c *Client) Addr() string { return c.addr }

// User returns the name the client logged in as.
func (c *Client) User() string { return c.user }

// SSH returns the underlying x/crypto connection, for protocols vmconn
// does not wrap (port forwarding; for a session that holds a slot, see
// NewSession). It is nil after Close.
func (c *Client) SSH() *ssh.Client {
	cn, err := c.current()
	if err != nil {
		return nil
	}
	return cn.ssh
}

// Done returns a channel that is closed when the current connection ends
// (lost or closed); Err then says why. After a reconnection, Done returns
// the new connection's channel. A zero Client's channel is closed.
func (c *Client) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		return closedChan
	}
	return c.conn.done
}

// closedChan is the Done channel of a Client with no connection.
var closedChan = func() chan struct{} { ch := make(chan struct{}); close(ch); return ch }()

// Err returns nil while the current connection is up, else why it ended:
// an error wrapping ErrConnLost, or ErrClosed. A lost connection is
// replaced by the next call that needs one (see Config.ReconnectTimeout).
// A zero Client's Err wraps ErrConfig.
func (c *Client) Err() error {
	if err := c.dialed(); err != nil {
		return err
	}
	c.mu.Lock()
	cn := c.conn
	c.mu.Unlock()
	if cn.alive() {
		return nil
	}
	return cn.err
}

// dialed fails for a Client not made by Dial (the zero Client): it has no
// machine to connect to, and its methods fail at once with this error.
func (c *Client) dialed() error {
	if c.slots == nil {
		return fmt.Errorf("vmconn: Client not made by Dial: %w", ErrConfig)
	}
	return nil
}

// Close closes the connection and waits for the client's goroutines to
// end. Commands still running fail with an error wrapping ErrClosed or
// ErrConnLost. A reconnection in flight stops at once: every call waiting
// on it fails with ErrClosed. Close ends the Client.OnEvent
// subscriptions. Close is idempotent, and may be called from
// Config.OnEvent and from a Client.OnEvent subscriber.
func (c *Client) Close() error {
	c.mu.Lock()
	c.closed = true
	cn := c.conn
	c.mu.Unlock()
	if c.kill != nil {
		c.kill(ErrClosed)
	}
	if cn != nil {
		cn.close(ErrClosed)
	}
	c.dropIdleWarm("client closed") // its session ended with the connection: free the slot and the timer
	c.dials.Wait()                  // a connection made meanwhile is closed by its maker
	c.subs.close()
	return nil
}

// addDial counts a connection about to be made (see dialTracked), unless
// the client is closed.
func (c *Client) addDial() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.dials.Add(1)
	return true
}

// Ping makes one keepalive round trip and returns its duration. It fails
// with ErrConnLost when the connection is gone and with ctx's error
// (context.DeadlineExceeded, say) when no reply came before ctx ended.
func (c *Client) Ping(ctx context.Context) (time.Duration, error) {
	cn, err := c.live(ctx)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	select {
	case err := <-cn.sendKeepalive():
		if err != nil {
			return 0, c.opError("ping", classed(ErrConnLost, err))
		}
		return time.Since(start), nil
	case <-cn.done:
		return 0, c.opError("ping", cn.err)
	case <-ctx.Done():
		return 0, c.opError("ping", contextError(ctx, nil))
	}
}

func (c *Client) setConn(cn *conn) {
	c.mu.Lock()
	c.conn = cn
	c.mu.Unlock()
}

// current returns the live connection, or why there is none.
func (c *Client) current() (*conn, error) {
	if err := c.dialed(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, c.opError("session", ErrClosed)
	}
	if !c.conn.alive() {
		return nil, c.opError("session", c.conn.err)
	}
	return c.conn, nil
}

// session is an open session holding one of the client's slots.
type session struct {
	*ssh.Session
	cn      *conn
	release func()
}

// openSession waits for a free slot and opens a session. A server that
// refuses the session channel (OpenSSH at its MaxSessions limit, which it
// reaches even with one session at a time: it frees a finished session
// only after reading the next open) is asked again with backoff, whoever
// holds its slots, until ctx ends or, when ctx has no deadline,
// Config.SessionWait passes. A connection that turns out dead when the
// session is opened is replaced (nothing ran on it yet), a bounded
// number of times.
func (c *Client) openSession(ctx context.Context) (*session, error) {
	select {
	case c.slots <- struct{}{}:
	default:
		c.slotWaiters.Add(1) // before dropIdleWarm: a warm session made ready meanwhile sees it (fillWarm)
		c.dropIdleWarm("client slot wanted")
		select {
		case c.slots <- struct{}{}:
			c.slotWaiters.Add(-1)
		case <-ctx.Done():
			c.slotWaiters.Add(-1)
			return nil, c.opError("session", contextError(ctx, nil))
		}
	}
	release := sync.OnceFunc(func() { <-c.slots })
	s, err := c.openSessionSlot(ctx, release)
	if err != nil {
		release()
	}
	return s, err
}

// openSessionSlot opens a session once the caller holds a client slot.
func (c *Client) openSessionSlot(ctx context.Context, release func()) (*session, error) {
	wait := slotWait{limit: c.cfg.sessionWait()}
	for deadConns := 0; ; {
		cn, err := c.live(ctx)
		if err != nil {
			return nil, err
		}
		s, err := c.newSession(ctx, cn)
		switch {
		case err == nil:
			return &session{Session: s, cn: cn, release: release}, nil
		case sessionRefused(err) != nil:
			c.log.Debug("vmconn: server refused a session, waiting for a slot", "err", err)
			c.dropIdleWarm("session refused") // the server's slot it holds is better used now
			wait.ours = len(c.slots) > 1      // our other sessions will end and free theirs
			if werr := wait.next(ctx, sessionRefused(err)); werr != nil {
				return nil, c.opError("session", werr)
			}
		case isConnLost(err) && ctx.Err() == nil && deadConns < 3:
			deadConns++
			cn.fail(err) // make sure it counts as dead, then reconnect
			<-cn.done
		default:
			return nil, err
		}
	}
}

// sessionRefused reports whether the server refused a session channel the
// way a server at its session limit does: OpenSSH answers "open failed"
// (reason "connect failed"), others "prohibited" or "resource shortage".
// It returns the refusal, or nil.
func sessionRefused(err error) *ssh.OpenChannelError {
	var oce *ssh.OpenChannelError
	if !errors.As(err, &oce) {
		return nil
	}
	switch oce.Reason {
	case ssh.Prohibited, ssh.ResourceShortage, ssh.ConnectionFailed:
		return oce
	}
	return nil
}

// slotWait paces the retries of a refused session: backoff from 5ms to
// 250ms, until ctx ends or, when ctx has no deadline, until limit has
// passed with none of the client's own other sessions open (those end
// and free their slots; a negative limit: no retry).
type slotWait struct {
	limit time.Duration
	first time.Time
	pace  *backoff.Backoff
	ours  bool // other sessions of the client are open
}

// next waits before the next attempt, or says why there is none.
func (w *slotWait) next(ctx context.Context, refusal error) error {
	if w.pace == nil {
		w.pace = backoff.New(5*time.Millisecond, 250*time.Millisecond)
	}
	if w.first.IsZero() || w.ours {
		w.first = time.Now()
	}
	d := w.pace.Next()
	if _, ok := ctx.Deadline(); !ok {
		left := w.limit - time.Since(w.first)
		if left <= 0 {
			return fmt.Errorf("%w: no session slot within %v (server's MaxSessions reached?): %w",
				ErrRefused, max(w.limit, 0), refusal)
		}
		d = min(d, left)
	}
	if err := backoff.Sleep(ctx, d); err != nil {
		return fmt.Errorf("waiting for a session slot (%v): %w", refusal, contextError(ctx, nil))
	}
	return nil
}

// newSession opens a session channel, returning early if ctx ends (the
// late session, if any, is then closed by the helper goroutine).
func (c *Client) newSession(ctx context.Context, cn *conn) (*ssh.Session, error) {
	type result struct {
		s   *ssh.Session
		err error
	}
	ch := make(chan result) // unbuffered: a late result meets abandoned
	abandoned := make(chan struct{})
	if !cn.add(1) {
		return nil, c.opError("session", cn.ended())
	}
	go func() {
		defer cn.wg.Done()
		s, err := cn.ssh.NewSession()
		select {
		case ch <- result{s, err}:
		case <-abandoned:
			if s != nil {
				s.Close()
			}
		}
	}()
	select {
	case r := <-ch:
		if r.err != nil && !cn.alive() {
			return nil, c.opError("session", cn.err)
		}
		if r.err != nil {
			var oce *ssh.OpenChannelError
			if errors.As(r.err, &oce) {
				return nil, c.opError("session", r.err)
			}
			return nil, c.opError("session", classed(ErrConnLost, r.err))
		}
		return r.s, nil
	case <-ctx.Done():
		close(abandoned)
		return nil, c.opError("session", contextError(ctx, nil))
	}
}
