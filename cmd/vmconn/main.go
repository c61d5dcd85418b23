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

// Exit statuses shared by the subcommands.
const (
	exitUsage     = 2   // bad flags or arguments
	exitConnError = 255 // connection, authentication or host-key failure (as ssh)
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	os.Exit(exitCode(err))
}

// exitCode reports err on stderr and picks the process's exit status.
func exitCode(err error) int { return exitCodeTo(os.Stderr, err) }

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
