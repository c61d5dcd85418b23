package main

import (
	"context"
	"io"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/bench/internal/stats"
	"golang.org/x/crypto/ssh"
)

// connect: fresh connection, authentication, `true`, close.
func (b *bench) connect(ctx context.Context) error {
	raw, err := b.rawConfig()
	if err != nil {
		return err
	}
	addr := b.main.Addr()
	vm := func(name, note string, qa quickAck) sampler {
		cfg := b.vmconnConfigQA(qa)
		return sampler{name: name, note: note, batch: func(ctx context.Context, n int) ([]time.Duration, error) {
			return timed(ctx, n, func(ctx context.Context) error {
				c, err := vmconn.Dial(ctx, addr, cfg)
				if err != nil {
					return err
				}
				defer c.Close()
				cmd := c.Command(ctx, "true")
				cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
				return cmd.Run()
			})
		}}
	}
	rawS := func(name, note string, qa quickAck) sampler {
		return sampler{name: name, note: note, batch: func(ctx context.Context, n int) ([]time.Duration, error) {
			return timed(ctx, n, func(ctx context.Context) error {
				c, err := rawDial(ctx, addr, raw, qa)
				if err != nil {
					return err
				}
				defer c.Close()
				return rawRun(c, "true", io.Discard)
			})
		}}
	}
	py := func(name string, nodelay bool) sampler {
		return sampler{name: name, note: "SSHClient.connect, exec_command(\"true\"), close", batch: func(ctx context.Context, n int) ([]time.Duration, error) {
			var r struct {
				SamplesNs []int64 `json:"samples_ns"`
			}
			err := b.py.call(with(b.pyTarget(b.main, nodelay), "op", "fresh", "n", n, "command", "true"), &r)
			return durations(r.SamplesNs), err
		}}
	}
	sshArgs := append(b.sshArgs(b.main), "true")
	clients := []sampler{
		vm("vmconn", "Dial (default Config), Command(\"true\").Run(), Close", qaDefault),
		vm("vmconn, quick-ack on", "Config.DialContext wraps the conn with vmconn.QuickAckConn", qaOn),
		vm("vmconn, quick-ack off", "Config.DialContext hides the *net.TCPConn from QuickAckConn", qaOff),
		rawS("raw x/crypto/ssh", "net.Dial, ssh.NewClientConn, Run(\"true\"), Close", qaOff),
		rawS("raw x/crypto/ssh + QuickAckConn", "the same over vmconn.QuickAckConn(conn)", qaOn),
		{name: "OpenSSH ssh", note: "one `ssh host true` process (no multiplexing)", batch: func(ctx context.Context, n int) ([]time.Duration, error) {
			return timed(ctx, n, func(ctx context.Context) error { return sshCommand(ctx, sshArgs...).Run() })
		}},
		py("paramiko", false),
		py("paramiko + TCP_NODELAY", true),
	}
	b.res.Connect = interleave(ctx, clients, b.opts.connectN, b.opts.connectRounds)
	return b.phases(ctx, b.opts.connectN)
}

// phaseNames are the steps of a fresh x/crypto connection that phases
// times.
var phaseNames = []string{"TCP connect", "handshake + auth", "first channel open", "exec `true` to exit status", "close"}

// phases times each step of a fresh raw x/crypto connection, with and
// without QuickAckConn, interleaved: where the stall is, and what
// quick-ack removes.
func (b *bench) phases(ctx context.Context, n int) error {
	raw, err := b.rawConfig()
	if err != nil {
		return err
	}
	addr := b.main.Addr()
	variants := []quickAck{qaOff, qaOn}
	samples := make([][][]time.Duration, len(variants))
	for i := range samples {
		samples[i] = make([][]time.Duration, len(phaseNames))
	}
	for r := range n {
		for k := range variants {
			i := (r + k) % len(variants)
			d, err := phaseOnce(ctx, addr, raw, variants[i])
			if err != nil {
				return err
			}
			for p := range d {
				samples[i][p] = append(samples[i][p], d[p])
			}
		}
	}
	for i, qa := range variants {
		ph := Phases{Variant: map[quickAck]string{qaOff: "raw x/crypto/ssh", qaOn: "raw x/crypto/ssh + QuickAckConn"}[qa]}
		for p, name := range phaseNames {
			ph.Steps = append(ph.Steps, Step{Name: name, Median: stats.Of(samples[i][p]).Median})
		}
		b.res.Phases = append(b.res.Phases, ph)
	}
	return nil
}

func phaseOnce(ctx context.Context, addr string, cfg *ssh.ClientConfig, qa quickAck) ([]time.Duration, error) {
	var d []time.Duration
	t := time.Now()
	lap := func() {
		now := time.Now()
		d = append(d, now.Sub(t))
		t = now
	}
	nc, err := dialWith(qa)(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	lap()
	c, chans, reqs, err := ssh.NewClientConn(nc, addr, cfg)
	if err != nil {
		nc.Close()
		return nil, err
	}
	client := ssh.NewClient(c, chans, reqs)
	defer client.Close()
	lap()
	s, err := client.NewSession()
	if err != nil {
		return nil, err
	}
	lap()
	if err := s.Run("true"); err != nil {
		return nil, err
	}
	lap()
	client.Close()
	lap()
	return d, nil
}
