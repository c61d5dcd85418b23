package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/spf13/pflag"
	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/control"
)

// masterReport is the one line a starting master writes to its parent
// on standard output: ready, in use (another master won), or why it
// could not connect.
type masterReport struct {
	Ready bool   `json:"ready,omitempty"`
	InUse bool   `json:"in_use,omitempty"`
	Code  int    `json:"code,omitempty"`  // the exit status the call should take
	Class string `json:"class,omitempty"` // the vmconn sentinel (errorClasses)
	Msg   string `json:"msg,omitempty"`
}

// masterStartError is a master's failure to connect, as its parent
// reports it: the same message and exit status as a direct call's, and
// the same sentinel for errors.Is.
type masterStartError struct {
	code  int
	class error
	msg   string
}

func (e *masterStartError) Error() string { return e.msg }
func (e *masterStartError) Unwrap() error { return e.class }

// errorClasses map vmconn's connection sentinels to the names a master
// reports them by.
var errorClasses = []struct {
	name string
	err  error
}{
	{"config", vmconn.ErrConfig}, {"auth", vmconn.ErrAuth},
	{"host-key-unknown", vmconn.ErrHostKeyUnknown}, {"host-key-changed", vmconn.ErrHostKeyChanged},
	{"host-key-revoked", vmconn.ErrHostKeyRevoked}, {"timeout", vmconn.ErrTimeout},
	{"unreachable", vmconn.ErrUnreachable}, {"handshake", vmconn.ErrHandshake},
}

// masterStartWait bounds the wait for a new master's report, beyond its
// connect timeout.
const masterStartWait = 10 * time.Second

// startMaster starts a detached master for host (vmconn control master,
// with this call's connection flags) and waits for its report. It
// returns nil once the master serves, control.ErrInUse if another one
// does, or the master's connection error.
func (g *globalFlags) startMaster(ctx context.Context, host string, connectTimeout time.Duration) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("starting a master: %w", err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	defer pr.Close()
	args := append(append([]string{"control", "master"}, g.connectionArgs()...), "--", host)
	cmd := exec.Command(exe, args...)
	cmd.Stdout = pw
	cmd.SysProcAttr = detached()
	err = cmd.Start()
	pw.Close()
	if err != nil {
		return fmt.Errorf("starting a master: %w", err)
	}
	if connectTimeout <= 0 {
		connectTimeout = vmconn.DefaultConnectTimeout
	}
	rep, err := readReport(ctx, pr, 2*connectTimeout+masterStartWait)
	switch {
	case err != nil && ctx.Err() == nil, err == nil && !rep.Ready:
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	default:
		// The master goes on (when ctx ended, its own dial is bounded and
		// later calls use it).
		go reapMaster(cmd)
	}
	switch {
	case err != nil:
		return fmt.Errorf("starting a master: %w", err)
	case rep.Ready:
		return nil
	case rep.InUse:
		return control.ErrInUse
	}
	return rep.err()
}

// reapMaster waits for a master this process started. The master is
// this process's child until this process exits: reaping it should it
// end first (idle, or stopped while a long call runs) leaves no zombie.
// It returns when the master ends (or never, if this process ends first).
func reapMaster(cmd *exec.Cmd) { _ = cmd.Wait() }

// readReport reads the master's one line, bounded by ctx and wait.
func readReport(ctx context.Context, r *os.File, wait time.Duration) (*masterReport, error) {
	_ = r.SetReadDeadline(time.Now().Add(wait))
	stop := context.AfterFunc(ctx, func() { _ = r.SetReadDeadline(time.Now()) })
	defer stop()
	line, err := bufio.NewReader(io.LimitReader(r, 64<<10)).ReadString('\n')
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("no report from the master (%w)", err)
	}
	var rep masterReport
	if err := json.Unmarshal([]byte(line), &rep); err != nil {
		return nil, fmt.Errorf("bad report from the master: %w", err)
	}
	return &rep, nil
}

// err rebuilds the master's error.
func (rep *masterReport) err() error {
	e := &masterStartError{code: rep.Code, msg: rep.Msg, class: errors.New("master failed")}
	if e.code == 0 {
		e.code = exitConnError
	}
	for _, c := range errorClasses {
		if c.name == rep.Class {
			e.class = c.err
		}
	}
	return e
}

// reportFor describes err (a failed dial or listen) for the parent.
func reportFor(err error) masterReport {
	rep := masterReport{Code: exitConnError, Msg: err.Error()}
	var ee *exitError
	if errors.As(err, &ee) {
		rep.Code = ee.code
	}
	for _, c := range errorClasses {
		if errors.Is(err, c.err) {
			rep.Class = c.name
			break
		}
	}
	return rep
}

// connectionArgs are this call's connection flags, for its master: every
// global flag given, less those that do not decide the connection.
func (g *globalFlags) connectionArgs() []string {
	skip := map[string]bool{"json": true, "verbose": true, "boot-id": true, "help": true}
	var args []string
	g.flags.VisitAll(func(f *pflag.Flag) { // Visit misses flags the subcommand parsed
		if !f.Changed || skip[f.Name] {
			return
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			for _, v := range sv.GetSlice() {
				args = append(args, "--"+f.Name+"="+v)
			}
			return
		}
		args = append(args, "--"+f.Name+"="+f.Value.String())
	})
	return args
}
