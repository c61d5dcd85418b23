package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// cli: the command-line tools in a shell loop, as a test rig calls them:
// one process per command (`true`), cliN times per client, interleaved.
func (b *bench) cli(ctx context.Context) error {
	exe := filepath.Join(b.farm.Dir, "vmconn")
	build := exec.CommandContext(ctx, "go", "build", "-o", exe, "github.com/vmconn/vmconn/cmd/vmconn")
	build.Env = append(os.Environ(), "CGO_ENABLED=0") // static, as make dist builds it: no dynamic loader at each start
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building the CLI: %w", err)
	}
	flags := []string{"-F", "none", "-i", b.farm.ClientKey, "--known-hosts", b.farm.KnownHosts,
		"-p", strconv.Itoa(b.main.Port), "-l", b.farm.User}
	shared := append(append([]string{}, flags...), "--control-persist", "60s",
		"--control-path", filepath.Join(b.farm.Dir, "vmconn-%p"))
	vmconnRun := func(args []string) func(context.Context) error {
		return func(ctx context.Context) error {
			return cliCommand(ctx, exe, append(append(append([]string{}, args...), "exec", "127.0.0.1", "--"), "true")...).Run()
		}
	}
	if err := vmconnRun(shared)(ctx); err != nil { // starts the master
		return fmt.Errorf("vmconn with a master: %w", err)
	}
	defer cliCommand(context.Background(), exe, append(shared, "control", "stop", "127.0.0.1")...).Run()
	muxArgs, closeMux, err := b.startSSHMux(ctx)
	if err != nil {
		return err
	}
	defer closeMux()
	loop := func(name, note string, one func(context.Context) error) sampler {
		return sampler{name: name, note: note, batch: func(ctx context.Context, n int) ([]time.Duration, error) {
			return timed(ctx, n, one)
		}}
	}
	clients := []sampler{
		loop("vmconn exec", "a fresh connection per call", vmconnRun(flags)),
		loop("vmconn exec --control-persist", "through the master the first call started", vmconnRun(shared)),
		loop("ssh", "a fresh connection per call", func(ctx context.Context) error {
			return sshCommand(ctx, append(b.sshArgs(b.main), "true")...).Run()
		}),
		{name: "ssh -S (ControlMaster)", note: "through an OpenSSH ControlMaster", batch: sshMuxBatch(muxArgs, "true")},
		{name: "ssh -S, vmconn's command line", note: "the line vmconn sends for `true` (its envelope), through the same ControlMaster",
			batch: sshMuxBatch(muxArgs, envelopeTrue)},
	}
	b.res.CLI = interleave(ctx, clients, b.opts.cliN, b.opts.cliN)
	return nil
}

// cliCommand runs the vmconn CLI without an agent, as sshCommand runs ssh.
func cliCommand(ctx context.Context, exe string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = sshEnv()
	cmd.WaitDelay = time.Second
	return cmd
}
