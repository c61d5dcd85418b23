package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"golang.org/x/crypto/ssh"
	"io"
	"os"
	"strings"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/vmtest"
)

// demo walks through vmconn's features against an in-process vmtest
// server. Each step prints what it does and what vmconn reported.
type demo struct {
	w      io.Writer
	srv    *vmtest.Server
	client *vmconn.Client
	start  time.Time
}

type demoStep struct {
	title string
	run   func(d *demo, ctx context.Context) error
}

// demoSteps is the walk-through, in order.
var demoSteps = []demoStep{
	{"Connect: key authentication, host key checked against known_hosts", (*demo).connect},
	{"Stream output as it is written (a line every 200 ms)", (*demo).stream},
	{"Exit status, exit signal, and stderr kept apart", (*demo).exitStatus},
	{"Typed errors: unknown host key, refused port, failed authentication", (*demo).typedErrors},
	{"Cancel a command: the remote process is killed, not left behind", (*demo).cancel},
	{"A half-open link: keepalives notice, no call hangs", (*demo).halfOpen},
	{"Liveness, layer by layer: SSH, then TCP, then ICMP", (*demo).alive},
	{"A detached job streams across a dropped connection, every byte once", (*demo).job},
	{"A port forward (ssh -L) carries a TCP service across a dropped link", (*demo).forward},
	{"Share the connection with other processes, as ssh -S (--control-persist)", (*demo).share},
	{"Reboot guard: a reboot under a command is reported; a dropped link is not", (*demo).guard},
	{"Deliberate reboot: wait for a new boot id, report the downtime", (*demo).reboot},
}

func runDemo(ctx context.Context, w io.Writer) error {
	srv, err := startDemoServer(vmtest.Start)
	if err != nil {
		return err
	}
	defer srv.Close()
	d := &demo{w: w, srv: srv, start: time.Now()}
	fmt.Fprintf(w, "vmconn demo: a test VM (vmtest: an in-process SSH server running a real /bin/sh) listens on %s\n", srv.Addr())
	defer func() {
		if d.client != nil {
			d.client.Close()
		}
	}()
	for i, step := range demoSteps {
		fmt.Fprintf(w, "\n== %d. %s\n", i+1, step.title)
		if err := step.run(d, ctx); err != nil {
			return fmt.Errorf("demo step %d (%s): %w", i+1, step.title, err)
		}
	}
	fmt.Fprintf(w, "\ndemo done in %v\n", time.Since(d.start).Round(time.Millisecond))
	return nil
}

// config logs in to the demo server with its key and known_hosts.
func (d *demo) config() *vmconn.Config {
	return &vmconn.Config{
		IdentityFiles:   []string{d.srv.ClientKeyFile()},
		KnownHostsFiles: []string{d.srv.KnownHostsFile()},
		NoAgent:         true,
		ConnectTimeout:  5 * time.Second,
	}
}

func (d *demo) say(format string, args ...any) {
	fmt.Fprintf(d.w, "   "+format+"\n", args...)
}

func (d *demo) connect(ctx context.Context) error {
	c, err := vmconn.Dial(ctx, d.srv.Addr(), d.config())
	if err != nil {
		return err
	}
	d.client = c
	out, err := c.Output(ctx, "echo \"logged in as $(id -un) on $(uname -sr)\"")
	d.say("vmconn.Dial(%s) ok; %s", d.srv.Addr(), trimNL(out))
	return err
}

func (d *demo) stream(ctx context.Context) error {
	start := time.Now()
	lines := vmconn.NewLines(func(_ vmconn.Stream, line []byte) {
		d.say("+%4dms  %s", time.Since(start).Milliseconds(), line)
	})
	cmd := d.client.Command(ctx, `for i in 1 2 3 4 5; do echo "tick $i"; sleep 0.2; done`)
	cmd.Stdout, cmd.Stderr = lines.Stdout(), lines.Stderr()
	err := cmd.Run()
	lines.Close()
	d.say("each line arrived as it was printed, not at the end (%v in all)", time.Since(start).Round(time.Millisecond))
	return err
}

func (d *demo) exitStatus(ctx context.Context) error {
	lines := vmconn.NewLines(func(s vmconn.Stream, line []byte) { d.say("%s: %s", s, line) })
	cmd := d.client.Command(ctx, "echo to-stdout; echo to-stderr >&2; exit 3")
	cmd.Stdout, cmd.Stderr = lines.Stdout(), lines.Stderr()
	err := cmd.Run()
	lines.Close()
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) {
		return fmt.Errorf("want an ExitError, got %v", err)
	}
	d.say("Run returned %v (ExitError.Status=%d)", err, ee.Status)
	err = d.client.Command(ctx, "kill -TERM $$").Run()
	if !errors.As(err, &ee) {
		return fmt.Errorf("want an ExitError, got %v", err)
	}
	d.say("Run returned %v (Signal=%q, ExitCode()=%d)", err, ee.Signal, ee.ExitCode())
	return nil
}

func (d *demo) typedErrors(ctx context.Context) error {
	cfg := d.config()
	cfg.KnownHostsFiles = []string{os.DevNull}
	_, err := vmconn.Dial(ctx, d.srv.Addr(), cfg)
	d.say("empty known_hosts:  errors.Is(err, ErrHostKeyUnknown)=%v retryable=%v\n      %v",
		errors.Is(err, vmconn.ErrHostKeyUnknown), vmconn.Retryable(err), err)

	d.srv.StopListening()
	_, err = vmconn.Dial(ctx, d.srv.Addr(), d.config())
	if lerr := d.srv.StartListening(); lerr != nil {
		return lerr
	}
	d.say("sshd not listening: errors.Is(err, ErrUnreachable)=%v retryable=%v\n      %v",
		errors.Is(err, vmconn.ErrUnreachable), vmconn.Retryable(err), err)

	cfg = d.config()
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := ssh.NewSignerFromKey(stranger)
	cfg.Signers, cfg.IdentityFiles = []ssh.Signer{signer}, nil
	_, err = vmconn.Dial(ctx, d.srv.Addr(), cfg)
	d.say("wrong credentials:  errors.Is(err, ErrAuth)=%v retryable=%v\n      %v",
		errors.Is(err, vmconn.ErrAuth), vmconn.Retryable(err), err)
	return nil
}

func (d *demo) cancel(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	var pid strings.Builder
	cmd := d.client.Command(cctx, "echo $$; exec sleep 300")
	cmd.Stdout = &pid
	err := cmd.Run()
	d.say("`sleep 300` with a 300 ms deadline returned after %v:\n      %v",
		time.Since(start).Round(time.Millisecond), err)
	check := "kill -0 " + strings.TrimSpace(pid.String()) + " 2>/dev/null && echo still running || echo gone"
	out, err := d.client.Output(ctx, check)
	d.say("remote process %s: %s", strings.TrimSpace(pid.String()), trimNL(out))
	return err
}

func (d *demo) halfOpen(ctx context.Context) error {
	cfg := d.config()
	cfg.KeepaliveInterval, cfg.KeepaliveCountMax = 200*time.Millisecond, 3
	c, err := vmconn.Dial(ctx, d.srv.Addr(), cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	cmd := c.Command(ctx, "sleep 60")
	if err := cmd.Start(); err != nil {
		return err
	}
	d.srv.Stall(true) // packets stop flowing; nothing is closed
	defer d.srv.Stall(false)
	start := time.Now()
	err = cmd.Wait()
	d.say("link stalled under `sleep 60`; keepalive (every 200 ms, 3 missed) ended the wait after %v:\n      %v",
		time.Since(start).Round(time.Millisecond), err)
	d.say("errors.Is(err, ErrConnLost)=%v  errors.Is(err, ErrNoExitStatus)=%v",
		errors.Is(err, vmconn.ErrConnLost), errors.Is(err, vmconn.ErrNoExitStatus))
	return nil
}

func trimNL(b []byte) string {
	s := string(b)
	for len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	return s
}
