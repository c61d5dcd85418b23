package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/envelope"
	"golang.org/x/crypto/ssh"
)

// latency: `true`, latencyN times over one kept connection per client.
func (b *bench) latency(ctx context.Context) error {
	var clients []sampler
	var closers []func()
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	add := func(s sampler, closer func(), err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		clients = append(clients, s)
		closers = append(closers, closer)
		return nil
	}
	steps := []func(context.Context) (sampler, func(), error){
		func(ctx context.Context) (sampler, func(), error) { return b.keptVmconn(ctx, false) },
		func(ctx context.Context) (sampler, func(), error) { return b.keptRaw(ctx, false) },
		b.keptSSHMux,
		func(ctx context.Context) (sampler, func(), error) { return b.keptParamiko(ctx, false) },
		func(ctx context.Context) (sampler, func(), error) { return b.keptParamiko(ctx, true) },
		// Where vmconn's cost over raw x/crypto comes from: its envelope.
		func(ctx context.Context) (sampler, func(), error) { return b.keptVmconn(ctx, true) },
		func(ctx context.Context) (sampler, func(), error) { return b.keptRaw(ctx, true) },
	}
	for _, step := range steps {
		if err := add(step(ctx)); err != nil {
			return err
		}
	}
	b.res.Latency = interleave(ctx, clients, b.opts.latencyN, b.opts.rounds)
	return nil
}

// keptVmconn runs `true` with Client.Command; raw skips vmconn's envelope
// (Cmd.Raw).
func (b *bench) keptVmconn(ctx context.Context, raw bool) (sampler, func(), error) {
	s := sampler{name: "vmconn", note: "Client.Command(ctx, \"true\").Run()"}
	if raw {
		s = sampler{name: "vmconn, Cmd.Raw", note: "the same without the envelope: `true` as it is, for the login shell"}
	}
	c, err := vmconn.Dial(ctx, b.main.Addr(), b.vmconnConfig())
	if err != nil {
		return s, nil, err
	}
	s.batch = func(ctx context.Context, n int) ([]time.Duration, error) {
		return timed(ctx, n, func(ctx context.Context) error {
			cmd := c.Command(ctx, "true")
			cmd.Stdout, cmd.Stderr, cmd.Raw = io.Discard, io.Discard, raw
			return cmd.Run()
		})
	}
	return s, func() { c.Close() }, nil
}

// keptRaw runs `true` with x/crypto; envLine runs vmconn's command line
// instead (`true` in its envelope, see REMOTE.md).
func (b *bench) keptRaw(ctx context.Context, envLine bool) (sampler, func(), error) {
	s := sampler{name: "raw x/crypto/ssh", note: "NewSession, Run(\"true\"), Close"}
	command := "true"
	if envLine {
		s = sampler{name: "raw x/crypto/ssh, vmconn's command line", note: "Run(`" + envelopeTrue + "`), as vmconn sends `true`"}
		command = envelopeTrue
	}
	cfg, err := b.rawConfig()
	if err != nil {
		return s, nil, err
	}
	c, err := rawDial(ctx, b.main.Addr(), cfg, qaOff)
	if err != nil {
		return s, nil, err
	}
	s.batch = func(ctx context.Context, n int) ([]time.Duration, error) {
		return timed(ctx, n, func(context.Context) error { return rawRun(c, command, io.Discard) })
	}
	return s, func() { c.Close() }, nil
}

// envelopeTrue is the exec line vmconn sends for `true` (its envelope's
// direct form, with the marker of one command); short, so no error.
var envelopeTrue, _ = envelope.Line("set --; export " + vmconn.MarkerEnv + "=0123456789abcdef-1; true")

// rawRun runs command in a new session of c.
func rawRun(c *ssh.Client, command string, stdout io.Writer) error {
	s, err := c.NewSession()
	if err != nil {
		return err
	}
	defer s.Close()
	s.Stdout, s.Stderr = stdout, io.Discard
	return s.Run(command)
}

// keptSSHMux starts an OpenSSH ControlMaster; each command is then a
// "ssh -S socket host true" process, as scripts use it.
func (b *bench) keptSSHMux(ctx context.Context) (sampler, func(), error) {
	s := sampler{name: "OpenSSH ssh -S (ControlMaster)", note: "one `ssh -S ctl host true` process per command"}
	clientArgs, closer, err := b.startSSHMux(ctx)
	if err != nil {
		return s, nil, err
	}
	s.batch = sshMuxBatch(clientArgs, "true")
	return s, closer, nil
}

// sshMuxBatch runs command in one "ssh -S" process a sample.
func sshMuxBatch(clientArgs []string, command string) func(ctx context.Context, n int) ([]time.Duration, error) {
	return func(ctx context.Context, n int) ([]time.Duration, error) {
		return timed(ctx, n, func(ctx context.Context) error {
			return sshCommand(ctx, append(clientArgs, command)...).Run()
		})
	}
}

// startSSHMux starts an OpenSSH ControlMaster to the main sshd and waits
// until it answers; clientArgs reach the machine through it (the command
// goes last).
func (b *bench) startSSHMux(ctx context.Context) (clientArgs []string, closer func(), err error) {
	ctl := filepath.Join(b.farm.Dir, "ctl")
	dest := []string{"-p", fmt.Sprint(b.main.Port), b.farm.User + "@127.0.0.1"}
	masterArgs := append(append(b.sshOpts(), "-o", "ControlMaster=yes", "-o", "ControlPath="+ctl, "-o", "ControlPersist=no", "-N"), dest...)
	_ = os.Remove(ctl) // a master killed earlier leaves its socket, and ssh would not multiplex
	master := exec.Command("ssh", masterArgs...)
	master.Env = sshEnv()
	master.Stderr = os.Stderr
	if err := master.Start(); err != nil {
		return nil, nil, err
	}
	closer = func() {
		_ = master.Process.Kill()
		_ = master.Wait()
		_ = os.Remove(ctl)
	}
	clientArgs = append(append(b.sshOpts(), "-S", ctl, "-o", "ControlMaster=no"), dest...)
	checkArgs := append(append(b.sshOpts(), "-S", ctl, "-O", "check"), dest...)
	deadline := time.Now().Add(10 * time.Second)
	for sshCommand(ctx, checkArgs...).Run() != nil {
		if time.Now().After(deadline) {
			closer()
			return nil, nil, fmt.Errorf("ControlMaster not ready after 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return clientArgs, closer, nil
}

func (b *bench) keptParamiko(ctx context.Context, nodelay bool) (sampler, func(), error) {
	id := map[bool]string{false: "plain", true: "nodelay"}[nodelay]
	s := sampler{name: "paramiko", note: "exec_command(\"true\"), read to EOF, recv_exit_status"}
	if nodelay {
		s.name = "paramiko + TCP_NODELAY"
	}
	if err := b.py.call(with(b.pyTarget(b.main, nodelay), "op", "open", "id", id), &struct{}{}); err != nil {
		return s, nil, err
	}
	s.batch = func(ctx context.Context, n int) ([]time.Duration, error) {
		var r struct {
			SamplesNs []int64 `json:"samples_ns"`
		}
		err := b.py.call(map[string]any{"op": "latency", "id": id, "n": n, "command": "true"}, &r)
		return durations(r.SamplesNs), err
	}
	return s, func() { _ = b.py.call(map[string]any{"op": "close", "id": id}, &struct{}{}) }, nil
}
