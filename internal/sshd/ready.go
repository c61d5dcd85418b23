package sshd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// waitReady connects until sshd sends "SSH-2.0-", sshd exits or ctx ends,
// and notes when sshd first accepted.
func (d *Daemon) waitReady(ctx context.Context, o *Options) error {
	addr := o.addr()
	tick := time.NewTicker(o.poll())
	defer tick.Stop()
	for {
		if at, ok := banner(ctx, o, addr); ok {
			d.accepted = at
			return nil
		}
		select {
		case <-d.done:
			return fmt.Errorf("%w: %v", ErrExited, d.err)
		case <-ctx.Done():
			return fmt.Errorf("sshd not ready on %s: %w", addr, context.Cause(ctx))
		case <-tick.C:
		}
	}
}

// banner reports whether an SSH-2.0 server answers on addr, and when the
// TCP connection was made.
func banner(ctx context.Context, o *Options, addr string) (time.Time, bool) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	c, err := o.dial(ctx, addr)
	if err != nil {
		return time.Time{}, false
	}
	at := time.Now()
	defer c.Close()
	deadline, _ := ctx.Deadline()
	_ = c.SetReadDeadline(deadline)
	buf := make([]byte, 8)
	n, _ := io.ReadFull(c, buf)
	return at, strings.HasPrefix(string(buf[:n]), "SSH-2.0-")
}
