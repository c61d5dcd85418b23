package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn"
)

func newBootIDCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "bootid [flags] host",
		Short: "Print the machine's boot id (it changes at every boot)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.dial(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			defer c.Close()
			id, err := c.BootID(cmd.Context())
			if err != nil {
				return &exitError{code: exitConnError, err: err}
			}
			if g.json {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(map[string]string{"boot_id": id})
			}
			fmt.Fprintln(cmd.OutOrStdout(), id)
			return nil
		},
	}
}

func newRebootCmd(g *globalFlags) *cobra.Command {
	var timeout time.Duration
	var command string
	cmd := &cobra.Command{
		Use:   "reboot [flags] host",
		Short: "Reboot the machine and wait until it is back with a new boot id",
		Long: `Reboot the machine and wait until it answers over SSH with a different boot id
(a machine still shutting down, which answers with the old one, is not taken for
rebooted). Prints the old and new boot ids and the downtime.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if timeout <= 0 {
				return &exitError{code: exitUsage, err: fmt.Errorf("vmconn: --timeout must be positive, not %v", timeout)}
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			o := connOptions{rebootCommand: command, onEvent: printEvents(cmd.ErrOrStderr())}
			c, err := g.dialWith(ctx, args[0], o)
			if err != nil {
				return err
			}
			defer c.Close()
			res, err := c.Reboot(ctx)
			if err != nil {
				return &exitError{code: exitConnError, err: err}
			}
			return printReboot(cmd.OutOrStdout(), g.json, res)
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Minute, "give up if the machine is not back by then")
	cmd.Flags().StringVar(&command, "command", vmconn.DefaultRebootCommand, "command that reboots the machine")
	return cmd
}

func printReboot(w io.Writer, asJSON bool, res *vmconn.RebootResult) error {
	if asJSON {
		return json.NewEncoder(w).Encode(map[string]any{
			"old_boot_id": res.OldBootID, "new_boot_id": res.NewBootID, "downtime_ms": res.Downtime.Milliseconds()})
	}
	fmt.Fprintf(w, "rebooted: %s -> %s (downtime %v)\n", res.OldBootID, res.NewBootID, res.Downtime.Round(time.Millisecond))
	return nil
}

func newGuardCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "guard [flags] host [--] command...",
		Short: "Run a command under the reboot guard",
		Long: `Run a command like exec, reading the machine's boot id before and after it
(reconnecting if the connection was lost). If the machine rebooted meanwhile,
print "rebooted: OLD -> NEW" on stderr and exit 254; otherwise exit with the
command's status as exec does. If the boot id cannot be read, before or after
(for example on an account restricted to sftp), print why (the boot id command
and its stderr) and exit 255, with or without --json.

` + jsonHelp,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, start := cmd.Context(), time.Now()
			c, err := g.dialWithEvents(ctx, args[0], cmd.ErrOrStderr())
			if err != nil {
				return rebootedJSON(cmd, g, args[0], start, err)
			}
			defer c.Close()
			rc := c.Command(ctx, strings.Join(args[1:], " "))
			rc.Stdout, rc.Stderr, rc.RebootGuard = cmd.OutOrStdout(), cmd.ErrOrStderr(), true
			if g.json {
				return guardJSON(cmd, args[0], rc)
			}
			err = rc.Run()
			var re *vmconn.RebootError
			var be *vmconn.BootIDError
			switch {
			case errors.As(err, &be): // before the command's own status: it may hold one
				return &exitError{code: exitConnError, err: err}
			case errors.As(err, &re):
				fmt.Fprintf(cmd.ErrOrStderr(), "rebooted: %s -> %s\n", re.OldBootID, re.NewBootID)
				return &exitError{code: exitRebooted}
			}
			return commandExit(err)
		},
	}
	g.registerBootID(cmd)
	return cmd
}
