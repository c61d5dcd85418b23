package vmconn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// conn is one SSH connection and the goroutines that watch it: a watcher
// that notices when it ends and a keepalive loop. Both end when the
// connection does; close waits for them.
type conn struct {
	ssh  *ssh.Client
	log  *slog.Logger
	done chan struct{} // closed once the connection has ended
	once sync.Once
	err  error // why it ended; read only after done is closed

	mu      sync.Mutex     // orders add before close's wait
	closing bool           // close has begun: no goroutine may be added
	wg      sync.WaitGroup // the connection's goroutines; add with add

	keepaliveInterval time.Duration

	agentOnce sync.Once   // makes agent, on the first ForwardAgent
	agent     *agentState // agent forwarding on this connection (agentfwd.go)
}

func startConn(sc *ssh.Client, cfg *Config, log *slog.Logger) *conn {
	cn := &conn{ssh: sc, log: log, done: make(chan struct{})}
	cn.wg.Add(1)
	go cn.watch()
	interval, countMax := cfg.keepalive()
	cn.keepaliveInterval = interval
	if interval > 0 {
		cn.wg.Add(1)
		go cn.keepalive(interval, countMax)
	}
	return cn
}

// watch waits for the connection to end and records why.
func (cn *conn) watch() {
	defer cn.wg.Done()
	err := cn.ssh.Wait()
	cn.once.Do(func() { cn.err = classed(ErrConnLost, err) })
	close(cn.done)
}

// fail ends the connection for the given reason (the first reason wins).
func (cn *conn) fail(reason error) {
	cn.once.Do(func() { cn.err = reason })
	cn.ssh.Close()
}

// close ends the connection and waits for its goroutines. From then
// on, add refuses new ones.
func (cn *conn) close(reason error) {
	cn.mu.Lock()
	cn.closing = true
	cn.mu.Unlock()
	cn.fail(reason)
	cn.wg.Wait()
}

// add counts n goroutines about to start, which close will wait for
// (each calls cn.wg.Done). Once close has begun it reports false: the
// caller must then not start them, since close may be waiting already.
func (cn *conn) add(n int) bool {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	if cn.closing {
		return false
	}
	cn.wg.Add(n)
	return true
}

// ended waits for a closing connection to end and returns why.
func (cn *conn) ended() error {
	<-cn.done
	return cn.err
}

// alive reports whether the connection has not ended yet.
func (cn *conn) alive() bool {
	select {
	case <-cn.done:
		return false
	default:
		return true
	}
}

// keepalive sends keepalive@openssh.com requests every interval; when
// countMax intervals in a row pass without a reply, it declares the
// connection lost and closes it, which fails every waiting call.
func (cn *conn) keepalive(interval time.Duration, countMax int) {
	defer cn.wg.Done()
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	var pending chan error
	missed := 0
	for {
		select {
		case <-cn.done:
			return
		case err := <-pending:
			pending = nil
			if err != nil {
				cn.fail(classed(ErrConnLost, err))
				return
			}
			missed = 0
		case <-ticker.C:
			if pending == nil {
				pending = cn.sendKeepalive()
				continue
			}
			if missed++; missed >= countMax {
				cn.log.Debug("vmconn: keepalive replies missed", "count", missed, "interval", interval)
				cn.fail(fmt.Errorf("%w: no keepalive reply for %v", ErrConnLost, time.Duration(missed)*interval))
				return
			}
		}
	}
}

// sendKeepalive sends one request; its result arrives on the channel.
// The goroutine ends when the reply arrives or the connection closes.
// On a closing connection the channel is nil (nothing arrives): callers
// also wait for cn.done.
func (cn *conn) sendKeepalive() chan error {
	if !cn.add(1) {
		return nil
	}
	ch := make(chan error, 1)
	go func() {
		defer cn.wg.Done()
		_, _, err := cn.ssh.SendRequest("keepalive@openssh.com", true, nil)
		ch <- err
	}()
	return ch
}

// probe makes one keepalive round trip bounded by timeout, reporting
// whether the server answered. A timeout does not close the connection;
// a round trip that fails (the transport is broken) does, before probe
// returns.
func (cn *conn) probe(timeout time.Duration) error {
	if !cn.alive() {
		return cn.err
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-cn.sendKeepalive():
		if err != nil {
			// The transport is broken: end the connection now and wait
			// (within the bound) for it to be marked gone, so that a
			// caller told ErrConnLost finds the Client reconnecting on
			// its next call, never still handing out this connection.
			lost := classed(ErrConnLost, err)
			cn.fail(lost)
			select {
			case <-cn.done:
			case <-timer.C:
			}
			return lost
		}
		return nil
	case <-cn.done:
		return cn.err
	case <-timer.C:
		return fmt.Errorf("%w: no keepalive reply within %v", ErrTimeout, timeout)
	}
}

// isConnLost reports whether err says the connection is gone.
func isConnLost(err error) bool { return errors.Is(err, ErrConnLost) }

// Keepalive makes one keepalive@openssh.com round trip on the current
// connection and returns its duration. Unlike Ping it never reconnects,
// so it tells whether the connection open now still answers: package
// alive asks it before logging in anew.
//
// Errors are *OpError values with Op "keepalive" wrapping ErrConnLost
// (the connection is gone), ErrClosed (the Client was closed) or the end
// of ctx (context.DeadlineExceeded when no reply came in time; a missed
// reply does not close the connection). A zero Client's error wraps
// ErrConfig.
func (c *Client) Keepalive(ctx context.Context) (time.Duration, error) {
	if err := c.dialed(); err != nil {
		return 0, err
	}
	c.mu.Lock()
	cn, closed := c.conn, c.closed
	c.mu.Unlock()
	switch {
	case closed:
		return 0, c.opError("keepalive", ErrClosed)
	case !cn.alive():
		return 0, c.opError("keepalive", cn.err)
	}
	start := time.Now()
	select {
	case err := <-cn.sendKeepalive(): // the sender ends with the connection at the latest
		if err != nil {
			return 0, c.opError("keepalive", classed(ErrConnLost, err))
		}
		return time.Since(start), nil
	case <-cn.done:
		return 0, c.opError("keepalive", cn.err)
	case <-ctx.Done():
		return 0, c.opError("keepalive", contextError(ctx, nil))
	}
}
