package vmconn

import (
	"context"
	"errors"
	"time"

	"github.com/vmconn/vmconn/internal/backoff"
)

// Reconnect makes sure the client has a live connection: if the current
// one is lost, it reconnects (as the next command would do by itself).
// It returns at once when the connection is up.
func (c *Client) Reconnect(ctx context.Context) error {
	_, err := c.live(ctx)
	return err
}

// live returns a live connection, reconnecting if the current one was
// lost and reconnection is enabled. Only one reconnection runs at a time;
// other callers wait for it (or for their ctx).
func (c *Client) live(ctx context.Context) (*conn, error) {
	if err := c.dialed(); err != nil {
		return nil, err
	}
	if cn, err := c.current(); err == nil || errors.Is(err, ErrClosed) {
		return cn, err
	}
	select {
	case c.dialing <- struct{}{}:
	case <-ctx.Done():
		return nil, c.opError("reconnect", contextError(ctx, nil))
	case <-c.life.Done():
		return nil, c.opError("reconnect", ErrClosed)
	}
	cn, err := c.current() // someone else may have reconnected meanwhile
	total, _, _ := c.cfg.reconnect()
	if err == nil || errors.Is(err, ErrClosed) || total < 0 {
		<-c.dialing
		return cn, err
	}
	cn, err = c.reconnect(ctx, total)
	<-c.dialing
	if err == nil {
		// Outside the dialing slot: reading the boot id may itself need
		// to reconnect, if the new connection died already.
		c.checkBootIDAfterReconnect(ctx)
	}
	return cn, err
}

// reconnect dials until it succeeds, hits an error that retrying cannot
// mend (authentication, host key), runs out of time, or the client is
// closed.
func (c *Client) reconnect(ctx context.Context, total time.Duration) (*conn, error) {
	c.mu.Lock()
	old := c.conn
	c.mu.Unlock()
	old.close(nil) // already dead: this only joins its goroutines
	c.emit(Event{Type: EventLost, Err: old.err})
	parent := ctx
	ctx, stop := c.untilClosed(ctx)
	defer stop()
	ctx, cancel := withTimeout(ctx, "reconnect timeout", total)
	defer cancel()
	wait := c.cfg.reconnectPacing()
	start := time.Now()
	for attempt := 1; ; attempt++ {
		c.emit(Event{Type: EventReconnecting, Attempt: attempt})
		cn, err := c.dialTracked(ctx, wait)
		if err == nil {
			c.emit(Event{Type: EventReconnected, Attempt: attempt})
			return cn, nil
		}
		if ierr := c.interrupted(parent, err); ierr != nil {
			return nil, ierr
		}
		if !Retryable(err) || ctx.Err() != nil {
			return nil, c.gaveUp(attempt, start, err)
		}
		if pause(ctx, wait, err) != nil {
			if ierr := c.interrupted(parent, err); ierr != nil {
				return nil, ierr
			}
			return nil, c.gaveUp(attempt, start, err)
		}
	}
}

// pause waits before the next attempt: a short poll after one that
// failed without reaching the server (sshd refused the connect: it is
// down, or not up yet), so that the host is noticed soon after it
// listens again; the backoff after any other failure.
func pause(ctx context.Context, wait *backoff.Backoff, last error) error {
	if noServer(last) {
		return wait.WaitPoll(ctx)
	}
	return wait.Wait(ctx)
}

// untilClosed returns a copy of ctx that also ends, with cause ErrClosed,
// when the client is closed.
func (c *Client) untilClosed(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(c.life, func() { cancel(ErrClosed) })
	return ctx, func() { stop(); cancel(nil) }
}

// interrupted says why a reconnection must stop before its time: the
// client was closed, or the caller's ctx ended. It is nil otherwise.
func (c *Client) interrupted(parent context.Context, last error) error {
	if c.life.Err() != nil {
		return c.opError("reconnect", ErrClosed)
	}
	if parent.Err() != nil {
		return c.opError("reconnect", contextError(parent, last))
	}
	return nil
}

// dialTracked makes a connection, polling its TCP connect with poll
// (see connect), and installs it as the client's. Close
// waits for it meanwhile (the connection's goroutines run before it is
// installed); a connection made after Close began is closed here.
func (c *Client) dialTracked(ctx context.Context, poll *backoff.Backoff) (*conn, error) {
	if !c.addDial() {
		return nil, c.opError("reconnect", ErrClosed)
	}
	defer c.dials.Done()
	cn, err := c.dialConnPolling(ctx, poll)
	if err != nil {
		return nil, err
	}
	if err := c.install(cn); err != nil {
		cn.close(ErrClosed) // nothing runs on it yet: this is quick
		return nil, err
	}
	return cn, nil
}

// install makes cn the client's connection unless the client was closed
// meanwhile.
func (c *Client) install(cn *conn) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.opError("reconnect", ErrClosed)
	}
	c.conn = cn
	return nil
}

func (c *Client) gaveUp(attempts int, start time.Time, last error) error {
	if !Retryable(last) {
		return last // authentication or host key: the caller must act
	}
	return errorf("reconnect %s: gave up after %d attempts in %v: %w",
		c.addr, attempts, time.Since(start).Round(time.Millisecond), last)
}

// checkBootIDAfterReconnect reports a reboot as an event when a boot id
// was read on an earlier connection and the new one differs.
func (c *Client) checkBootIDAfterReconnect(ctx context.Context) {
	c.mu.Lock()
	before := c.lastBootID
	c.mu.Unlock()
	if before == "" {
		return
	}
	after, err := c.BootID(ctx)
	if err == nil && after != before {
		c.rebooted(before, after)
	}
}
