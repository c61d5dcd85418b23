package vmconn

import (
	"log/slog"
	"time"
)

// ReconnectTimeout returns how long the client keeps trying to reconnect
// after the connection is lost: Config.ReconnectTimeout, with its zero
// value resolved to DefaultReconnectTimeout. A negative duration means
// reconnecting is disabled. Packages that resume work across reconnects
// (such as job's Follow) give up on a silent machine after it.
func (c *Client) ReconnectTimeout() time.Duration {
	total, _, _ := c.cfg.reconnect()
	return total
}

// Logger returns the logger the client writes to: Config.Logger, or one
// that discards everything when that is nil (and for a zero Client). It is
// never nil, so packages built on the client can log beside it.
func (c *Client) Logger() *slog.Logger {
	if c.log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.log
}
