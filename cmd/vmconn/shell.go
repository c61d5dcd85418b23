package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn"
)

// loginShell is what "vmconn shell HOST" runs: the user's login shell,
// started by the envelope's /bin/sh (REMOTE.md) like any other command,
// so that the marker, cancellation and the reboot check work as for
// exec. The server's "shell" request would bypass the envelope.
const loginShell = `exec "${SHELL:-/bin/sh}" -l`

// lostCheckTimeout bounds the reconnect that tells, after the connection
// was lost, whether the machine rebooted.
const lostCheckTimeout = 5 * time.Second

func newShellCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "shell [flags] [user@]host[:port] [command...]",
		Short: "Open an interactive shell, or run a command on a terminal",
		Long: `Open the user's login shell on the host (run as: exec "$SHELL" -l), or run the
command, on a pseudo-terminal sized like the local one, which is put in raw
mode; window-size changes follow. Without a local terminal (stdin not a tty)
it runs without a pseudo-terminal, as ssh -T.

Exit status: the remote shell's or command's own; 255 when the connection
failed or was lost. A lost connection is reported in one line, which says
whether the machine rebooted (its boot id is compared after one reconnect
attempt of at most 5s); the shell is not opened again.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			command := strings.Join(args[1:], " ")
			if command == "" {
				command = loginShell
			}
			return runShell(cmd, g, args[0], command)
		},
	}
}

// runShell runs command on host on the local terminal, if there is one.
func runShell(cmd *cobra.Command, g *globalFlags, host, command string) error {
	ctx := cmd.Context()
	c, err := g.dial(ctx, host)
	if err != nil {
		return err
	}
	defer c.Close()
	before, _ := c.BootID(ctx) // "" when unreadable: a reboot cannot be told then
	rc := c.Command(ctx, command)
	rc.Stdin, rc.Stdout, rc.Stderr = cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()
	t := openTerminal(rc.Stdin)
	err = runOn(t, rc)
	if ctx.Err() != nil || !connLost(err) {
		return commandExit(err)
	}
	if t != nil {
		fmt.Fprintln(rc.Stderr) // the notice on a line of its own
	}
	return &exitError{code: exitConnError, err: lostNotice(ctx, c, host, before)}
}

// runOn runs rc on t, or without a terminal when t is nil.
func runOn(t *terminal, rc *vmconn.Cmd) error {
	if t == nil {
		return rc.Run()
	}
	rc.PTY = t.pty()
	restore, err := t.makeRaw()
	if err != nil {
		return err
	}
	defer restore()
	if err := rc.Start(); err != nil {
		return err
	}
	stop := watchWindow(t, func(rows, cols int) { _ = rc.Resize(rows, cols) })
	defer stop()
	return rc.Wait()
}

// connLost reports whether err says the command ended without an exit
// status because the connection went away.
func connLost(err error) bool {
	var ee *vmconn.ExitError
	if err == nil || errors.As(err, &ee) {
		return false
	}
	return errors.Is(err, vmconn.ErrNoExitStatus) || errors.Is(err, vmconn.ErrConnLost) ||
		errors.Is(err, vmconn.ErrClosed)
}

// lostNotice is the one line told when the connection was lost: it
// reconnects once, bounded by lostCheckTimeout, to say whether the
// machine rebooted (before is the boot id read at the start).
func lostNotice(ctx context.Context, c *vmconn.Client, host, before string) error {
	msg := "vmconn: connection to " + host + " lost"
	if before == "" {
		return errors.New(msg)
	}
	ctx, cancel := context.WithTimeout(ctx, lostCheckTimeout)
	defer cancel()
	after, err := c.BootID(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("%s; no answer since (within %v), so a reboot cannot be told", msg, lostCheckTimeout)
	case after != before:
		return fmt.Errorf("%s: the machine rebooted (boot id %s, was %s)", msg, after, before)
	}
	return fmt.Errorf("%s; the machine did not reboot", msg)
}
