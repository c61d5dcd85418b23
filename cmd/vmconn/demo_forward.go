package main

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/vmconn/vmconn/forward"
)

// serviceGreeting is what the demo's local service says to each
// connection.
const serviceGreeting = "hello from the service behind the forward"

// forward shows a local forward that carries a TCP service across a
// dropped link. The service is a plain line over TCP rather than HTTP:
// net/http's client and server would add about 3 MB to the binary that
// every call of the CLI loads.
func (d *demo) forward(ctx context.Context) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	var served sync.WaitGroup
	served.Add(1)
	go func() { defer served.Done(); serveGreeting(ln) }()
	defer func() { ln.Close(); served.Wait() }()
	f, err := forward.Local(ctx, d.client, "127.0.0.1:0", ln.Addr().String(), nil)
	if err != nil {
		return err
	}
	defer f.Close()
	d.say("forward:       %s (like ssh -L)", f)
	if err := d.fetch(ctx, "before the drop", f.Addr()); err != nil {
		return err
	}
	d.srv.DropConnections()
	d.say("link dropped:  the listener stays; the next connection waits for the reconnect")
	return d.fetch(ctx, "after the drop ", f.Addr())
}

// serveGreeting writes serviceGreeting to each connection ln accepts,
// until ln is closed.
func serveGreeting(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil { // a passing failure (no file descriptor left): the next Accept may do
			time.Sleep(10 * time.Millisecond)
			continue
		}
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		_, _ = io.WriteString(c, serviceGreeting+"\n")
		c.Close()
	}
}

// fetch connects through the forward at addr and shows what the service
// said.
func (d *demo) fetch(ctx context.Context, when, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	start := time.Now()
	var dialer net.Dialer
	c, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	deadline, _ := ctx.Deadline()
	_ = c.SetDeadline(deadline)
	got, err := io.ReadAll(c)
	d.say("read %s: %q (%v)", when, got, time.Since(start).Round(time.Millisecond))
	return err
}
