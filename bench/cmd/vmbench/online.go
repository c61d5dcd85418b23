package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/bench/internal/sshd"
	"github.com/vmconn/vmconn/bench/internal/stats"
	"github.com/vmconn/vmconn/internal/backoff"
)

// Back online: how soon a client is logged in again once a host's sshd
// accepts connections again after an outage (a reboot), vmconn's
// Client.Reconnect against a loop that tries a connect and login every
// second, as Ansible's reboot module does. The outage stops an sshd of
// its own (its listener and sessions) for onlineDown plus up to one
// second, so that a 1 s loop meets the restart at any phase, then starts
// it again on the same port. The time counts from the moment the new
// sshd first accepted a connection (its launcher's readiness probe, polled
// every 2 ms) to the moment the client is logged in.
const (
	onlineDown    = 2 * time.Second
	onlineEvery   = time.Second // the loops' pause after a failed try
	onlineTimeout = time.Minute // one outage, at most
)

// onlineMethod is one way to wait for the host.
type onlineMethod struct {
	name, note string
	up         onlineUp
}

// onlineUp runs while sshd is up. It returns a channel closed once the
// client has seen its connection end (nil: it has none), the wait that
// runs while sshd is down and returns once the client is logged in again,
// and what closes the client.
type onlineUp func(ctx context.Context) (lost <-chan struct{}, wait func(context.Context) error, closer func(), err error)

func (b *bench) online(ctx context.Context) error {
	srv, err := b.farm.Add(ctx)
	if err != nil {
		return err
	}
	raw, err := b.rawConfig()
	if err != nil {
		return err
	}
	methods := []onlineMethod{
		{"vmconn Client.Reconnect", "default Config: refused connects polled every 50–100 ms, then handshake and login", b.onlineVmconn(srv)},
		{"vmconn.Dial every 1 s", "Dial (connect and login); on failure, wait 1 s and try again", b.onlineLoop(func(ctx context.Context) (func(), error) {
			c, err := vmconn.Dial(ctx, srv.Addr(), b.vmconnConfig())
			return func() { c.Close() }, err
		})},
		{"raw x/crypto/ssh every 1 s", "net.Dial and ssh.NewClientConn; on failure, wait 1 s and try again", b.onlineLoop(func(ctx context.Context) (func(), error) {
			c, err := rawDial(ctx, srv.Addr(), raw, qaOff)
			return func() { c.Close() }, err
		})},
	}
	samples := make([][]time.Duration, len(methods))
	errs := make([]string, len(methods))
	for range b.opts.onlineReps {
		for i, m := range methods {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			d, err := b.outage(ctx, srv, m)
			if err != nil {
				errs[i] = err.Error()
				continue
			}
			samples[i] = append(samples[i], d)
		}
	}
	for i, m := range methods {
		b.res.Online = append(b.res.Online, Dist{Client: m.name, Note: m.note, Err: errs[i], Dist: stats.Of(samples[i])})
	}
	return nil
}

// outage takes srv down, lets m wait for it, starts it again, and returns
// how long after sshd accepted again m was logged in.
func (b *bench) outage(ctx context.Context, srv *sshd.Server, m onlineMethod) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, onlineTimeout)
	defer cancel()
	lost, wait, closer, err := m.up(ctx)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", m.name, err)
	}
	defer closer()
	srv.Stop()
	if lost != nil {
		select {
		case <-lost:
		case <-ctx.Done():
			return 0, fmt.Errorf("%s: connection not lost after sshd stopped: %w", m.name, ctx.Err())
		}
	}
	type result struct {
		at  time.Time
		err error
	}
	done := make(chan result, 1)
	go func() {
		err := wait(ctx)
		done <- result{time.Now(), err}
	}()
	err = backoff.Sleep(ctx, onlineDown+rand.N(time.Second))
	if err == nil {
		err = b.farm.Relaunch(ctx, srv)
	}
	if err != nil {
		cancel()
		<-done
		return 0, err
	}
	r := <-done
	if r.err != nil {
		return 0, fmt.Errorf("%s: %w", m.name, r.err)
	}
	if d := r.at.Sub(srv.Accepted()); d > 0 {
		return d, nil
	}
	return 0, fmt.Errorf("%s: logged in before sshd was started again", m.name)
}

// onlineVmconn returns a method that dials srv while it is up; its wait
// is Client.Reconnect, once the client has seen its connection end.
func (b *bench) onlineVmconn(srv *sshd.Server) onlineUp {
	return func(ctx context.Context) (<-chan struct{}, func(context.Context) error, func(), error) {
		c, err := vmconn.Dial(ctx, srv.Addr(), b.vmconnConfig())
		if err != nil {
			return nil, nil, nil, err
		}
		return c.Done(), c.Reconnect, func() { c.Close() }, nil
	}
}

// onlineLoop returns a method that tries login every onlineEvery until
// it succeeds; login returns a closer for the connection it made.
func (b *bench) onlineLoop(login func(context.Context) (func(), error)) onlineUp {
	return func(context.Context) (<-chan struct{}, func(context.Context) error, func(), error) {
		var closeConn func()
		wait := func(ctx context.Context) error {
			for {
				attempt, cancel := context.WithTimeout(ctx, connectTimeout)
				c, err := login(attempt)
				cancel()
				if err == nil {
					closeConn = c
					return nil
				}
				if ctx.Err() != nil {
					return errors.Join(ctx.Err(), err)
				}
				if err := backoff.Sleep(ctx, onlineEvery); err != nil {
					return err
				}
			}
		}
		closer := func() {
			if closeConn != nil {
				closeConn()
			}
		}
		return nil, wait, closer, nil
	}
}
