// Command vmconn runs commands on remote Linux machines over SSH and keeps
// track of what happened to them: output, exit status, lost connections
// and reboots. Run "vmconn help" for the subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// The CLI's exit statuses, all in this one block. A command run by exec,
// guard or long exits with its own status instead.
const (
	exitFailed          = 1   // the operation failed: cp, or exec on many hosts where one did not succeed
	exitDown            = 1   // alive: the host answered at no layer (or its name did not resolve)
	exitNoJob           = 1   // kill: the job does not exist, or has already ended
	exitDemoUnavailable = 1   // demo: its test VM cannot start (vmtest does not run on this platform)
	exitUsage           = 2   // bad flags or arguments
	exitDetached        = 130 // long, attach: the user interrupted; the job goes on
	exitRebooted        = 254 // guard: the machine rebooted during the command
	exitConnError       = 255 // connection, authentication or host-key failure (as ssh)
)

// exitError carries an exit status out of a subcommand, after the
// subcommand has printed what the user needs to see.
type exitError struct {
	code int
	err  error // printed on stderr unless nil
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

// main runs the subcommand under a context that SIGINT or SIGTERM
// cancels: every call then stops what it waits for (a remote command is
// stopped and its processes killed) and the process exits. A second
// signal kills the process at once, with the default disposition.
func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	go cancelOnSignal(ctx, cancel)
	root := newRootCmdFor(&globalFlags{}, os.Args[1:])
	err := root.ExecuteContext(ctx)
	cancel(nil)
	os.Exit(exitCodeTo(root.ErrOrStderr(), err))
}

// cancelOnSignal cancels ctx at the first SIGINT or SIGTERM, with the
// signal as the cause ("interrupt signal received"), and then restores
// the default disposition; it returns when ctx ends. main runs it in a
// goroutine because setting the handlers up waits for the runtime's
// signal thread to start, about a millisecond that a short call (a
// command through a master) would otherwise spend before it sends
// anything. A signal before the handlers are in place has the effect it
// would have before main (it kills the process, or nothing where the
// caller ignores it); nothing has run remotely that early but a
// command through a master, and the master stops that one when its
// caller's connection closes.
func cancelOnSignal(ctx context.Context, cancel context.CancelCauseFunc) {
	sctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-sctx.Done()
	if ctx.Err() == nil {
		cancel(context.Cause(sctx))
	}
}

// exitCodeTo reports err on w and picks the process's exit status.
func exitCodeTo(w io.Writer, err error) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(w, ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(w, vmErr("", err))
	return exitUsage
}
