package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/control"
	"github.com/vmconn/vmconn/sshconfig"
)

// dialShared connects to r through the master sh names, starting one
// if sh allows and none answers. ok is false when the call should dial
// directly instead: sh may only use a master and none runs, or the
// master there serves other settings.
func (g *globalFlags) dialShared(ctx context.Context, sh *sharing, r *sshconfig.Resolved, host string) (c *vmconn.Client, ok bool, err error) {
	log := r.Config.Logger
	d := &control.Dialer{Path: sh.path, Key: sh.key}
	if sh.start {
		d.Start = func(ctx context.Context) error { return g.startMaster(ctx, host, r.Config.ConnectTimeout) }
	}
	first, err := d.Dial(ctx) // a master's own start errors come out here, as they are
	switch {
	case errors.Is(err, control.ErrMismatch), !sh.start && (errors.Is(err, control.ErrNoMaster) || errors.Is(err, control.ErrStale)):
		if log != nil {
			log.Info("vmconn: not sharing a connection", "path", sh.path, "why", err)
		}
		return nil, false, nil
	case err != nil:
		return nil, true, sharingError(sh.path, err)
	}
	if log != nil {
		log.Info("vmconn: sharing the connection of a master", "path", sh.path)
	}
	cfg := d.Config(r.Config)
	cfg.DialContext = firstThen(first, cfg.DialContext)
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = vmconn.DefaultConnectTimeout
	}
	cfg.ConnectTimeout = 2*cfg.ConnectTimeout + 5*time.Second // a reconnection may start a master, which dials
	c, err = vmconn.Dial(ctx, r.Addr, cfg)
	if err != nil {
		return nil, true, sharingError(sh.path, err)
	}
	return c, true, nil
}

// firstThen returns a DialContext that hands out first once, then dials.
func firstThen(first net.Conn, dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	var once sync.Once
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var c net.Conn
		once.Do(func() { c = first })
		if c != nil {
			return c, nil
		}
		return dial(ctx, network, addr)
	}
}

// sharingError makes an error of a shared dial an exitError: a master's
// start error keeps its status; a bad control path is a usage error.
func sharingError(path string, err error) error {
	var se *masterStartError
	switch {
	case errors.As(err, &se):
		return &exitError{code: se.code, err: se}
	case errors.Is(err, control.ErrUntrusted), errors.Is(err, control.ErrPathTooLong), errors.Is(err, control.ErrUnsupported):
		return &exitError{code: exitUsage, err: fmt.Errorf("vmconn: control path %s: %w", path, err)}
	case errors.Is(err, vmconn.ErrConfig):
		return &exitError{code: exitUsage, err: err}
	}
	var oe *vmconn.OpError
	if !errors.As(err, &oe) {
		err = fmt.Errorf("vmconn: control path %s: %w", path, err)
	}
	return &exitError{code: exitConnError, err: err}
}
