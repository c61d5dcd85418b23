package sshd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// ErrExited means sshd exited before it accepted connections; its log
// says why (often: the port was taken meanwhile).
var ErrExited = errors.New("sshd exited before accepting connections")

// Daemon is a running sshd listener. Its methods are safe for concurrent
// use.
type Daemon struct {
	cmd      *exec.Cmd
	sshd     *os.Process // sshd itself: cmd.Process, or its child (Forks)
	accepted time.Time
	done     chan struct{} // closed once cmd.Wait has returned
	err      error         // cmd.Wait's error, set before done is closed
}

// Start writes o.Config to o.ConfigFile, starts sshd as o says and returns
// once it sends its SSH banner to o.Dial, it exits (ErrExited) or ctx
// ends. On error nothing is left running.
func Start(ctx context.Context, o Options) (*Daemon, error) {
	bin, err := prepare(&o)
	if err != nil {
		return nil, err
	}
	d, err := launch(bin, &o)
	if err != nil {
		return nil, err
	}
	if err = d.findSSHD(&o); err == nil && o.Check != nil {
		err = o.Check(d.sshd.Pid)
	}
	if err == nil {
		err = d.waitReady(ctx, &o)
	}
	if err != nil {
		d.Kill()
		return nil, err
	}
	return d, nil
}

// prepare returns sshd's path, after writing its configuration, or ""
// with o.Argv.
func prepare(o *Options) (string, error) {
	if o.Argv != nil {
		return "", nil
	}
	bin, err := Path()
	if err != nil {
		return "", err
	}
	if err := o.Config.WriteFile(o.ConfigFile); err != nil {
		return "", err
	}
	return bin, privsepDir()
}

// privsepDir makes sshd's privilege separation directory, which sshd
// started by root needs and a fresh container may lack.
func privsepDir() error {
	if os.Geteuid() != 0 {
		return nil
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		return fmt.Errorf("sshd's privilege separation directory: %w", err)
	}
	return nil
}

// launch starts the command and the goroutine that waits for it.
func launch(bin string, o *Options) (*Daemon, error) {
	argv := o.argv(bin)
	cmd := exec.Command(argv[0], argv[1:]...)
	out := o.Output
	if out == nil {
		out = io.Discard
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.ExtraFiles = o.ExtraFiles
	cmd.SysProcAttr = o.sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	d := &Daemon{cmd: cmd, sshd: cmd.Process, done: make(chan struct{})}
	go func() {
		d.err = cmd.Wait()
		close(d.done)
	}()
	return d, nil
}

// Pid returns sshd's pid (the listener's).
func (d *Daemon) Pid() int { return d.sshd.Pid }

// CommandPid returns the pid of the command Start ran: sshd's, or with
// Options.Forks that of its parent.
func (d *Daemon) CommandPid() int { return d.cmd.Process.Pid }

// Accepted returns when sshd first accepted a connection from Start.
func (d *Daemon) Accepted() time.Time { return d.accepted }

// Done is closed once sshd has exited (and, with Options.Forks, the
// command with it).
func (d *Daemon) Done() <-chan struct{} { return d.done }

// Err returns how the command ended; call it after Done is closed.
func (d *Daemon) Err() error { return d.err }

// Signal sends sig to sshd. A pidfd pins the process: once sshd has been
// reaped, the signal goes nowhere rather than to a process that reused
// its pid. It returns os.ErrProcessDone once sshd has exited.
func (d *Daemon) Signal(sig syscall.Signal) error { return d.sshd.Signal(sig) }

// Stop sends SIGTERM, then SIGKILL if sshd is still there after grace,
// and waits for it to exit, at most grace more. The listener's
// connections go on: each runs in a session of its own.
func (d *Daemon) Stop(grace time.Duration) error {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		if err := d.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("stop sshd (%d): %w", d.Pid(), err)
		}
		if d.wait(grace) {
			return nil
		}
	}
	return fmt.Errorf("sshd (%d) survives SIGKILL", d.Pid())
}

// Kill kills sshd (and, with Options.Forks, the command) and waits for it,
// at most 15s.
func (d *Daemon) Kill() {
	_ = d.Signal(syscall.SIGKILL)
	_ = d.cmd.Process.Kill()
	d.wait(15 * time.Second)
}

// wait waits at most timeout for the command to exit, and reports whether
// it did.
func (d *Daemon) wait(timeout time.Duration) bool {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-d.done:
		return true
	case <-t.C:
		return false
	}
}
