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
	token   string        // prefix of the per-command marker (cmdmark.go)
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
// on it fails with ErrClosed. Close is idempotent, and may be called from
// Config.OnEvent.
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
	c.dials.Wait() // a connection made meanwhile is closed by its maker
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
// refuses the channel for lack of sessions (a MaxSessions lower than
// ours) is asked again with backoff until ctx ends. A connection that
// turns out dead when the session is opened is replaced (nothing ran on
// it yet), a bounded number of times.
func (c *Client) openSession(ctx context.Context) (*session, error) {
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, c.opError("session", contextError(ctx, nil))
	}
	release := sync.OnceFunc(func() { <-c.slots })
	backoff := 5 * time.Millisecond
	for deadConns := 0; ; {
		cn, err := c.live(ctx)
		if err != nil {
			release()
			return nil, err
		}
		s, err := c.newSession(ctx, cn)
		if err == nil {
			return &session{Session: s, cn: cn, release: release}, nil
		}
		switch {
		case c.sessionLimited(err):
			c.log.Debug("vmconn: server refused a session, waiting for one to end", "err", err)
			if werr := sleepCtx(ctx, backoff); werr != nil {
				release()
				return nil, c.opError("session", contextError(ctx, err))
			}
			backoff = min(2*backoff, 250*time.Millisecond)
		case isConnLost(err) && ctx.Err() == nil && deadConns < 3:
			deadConns++
			cn.fail(err) // make sure it counts as dead, then reconnect
			<-cn.done
		default:
			release()
			return nil, err
		}
	}
}

// sessionLimited reports whether a refused session looks like the
// server's MaxSessions limit: OpenSSH answers "open failed" (reason
// "connect failed"), others "prohibited" or "resource shortage". It can
// only be the limit while other sessions of ours are open.
func (c *Client) sessionLimited(err error) bool {
	var oce *ssh.OpenChannelError
	if !errors.As(err, &oce) || len(c.slots) < 2 {
		return false
	}
	switch oce.Reason {
	case ssh.Prohibited, ssh.ResourceShortage, ssh.ConnectionFailed:
		return true
	}
	return false
}

// sleepCtx waits d, or returns ctx's error when ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
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
				return nil, r.err
			}
			return nil, c.opError("session", classed(ErrConnLost, r.err))
		}
		return r.s, nil
	case <-ctx.Done():
		close(abandoned)
		return nil, c.opError("session", contextError(ctx, nil))
	}
}
