package vmconn

import (
	"context"
	"time"
)

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
