package job

import (
	"log/slog"
	"time"

	"github.com/vmconn/vmconn"
)

// reconnectTimeout returns how long Follow goes on trying while the
// machine does not answer: the client's Config.ReconnectTimeout, its zero
// value meaning vmconn.DefaultReconnectTimeout; negative means never.
func reconnectTimeout(c *vmconn.Client) time.Duration {
	if d := c.Config().ReconnectTimeout; d != 0 {
		return d
	}
	return vmconn.DefaultReconnectTimeout
}

// logger returns the client's Config.Logger, or one that discards.
func logger(c *vmconn.Client) *slog.Logger {
	if l := c.Config().Logger; l != nil {
		return l
	}
	return slog.New(slog.DiscardHandler)
}
