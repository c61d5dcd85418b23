package main

import (
	"github.com/spf13/cobra"
)

func newRootCmd() *cobra.Command { return newRootCmdWith(&globalFlags{}) }

// newRootCmdWith builds the command tree on g, the flags every
// subcommand shares.
func newRootCmdWith(g *globalFlags) *cobra.Command {
	root := &cobra.Command{
		Use:   "vmconn",
		Short: "Drive remote Linux machines over SSH, and know what happened to every command",
		Long: `vmconn runs commands on remote Linux machines over SSH, streams their output,
reports their exit status, and tells a lost connection from a reboot.

Hosts are written [user@]host[:port]; an IPv6 address with a port as [addr]:port.
Host keys are verified against ~/.ssh/known_hosts unless asked otherwise.
With -v (or -vv, more), what vmconn does goes to stderr as log records: dial,
host key verdict, auth methods tried, reconnects (and each command with -vv);
never a password or an environment value.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	g.register(root)
	root.AddCommand(subcommands(g)...)
	return root
}

// subcommands lists every subcommand (help shows them sorted by name).
func subcommands(g *globalFlags) []*cobra.Command {
	return []*cobra.Command{
		newExecCmd(g), newShellCmd(g),
		newAliveCmd(g),
		newBootIDCmd(g), newRebootCmd(g), newGuardCmd(g),
		newLongCmd(g), newAttachCmd(g), newJobsCmd(g), newKillCmd(g),
		newCpCmd(g),
		newForwardCmd(g),
		newControlCmd(g),
		newDemoCmd(), newTestServerCmd(g),
	}
}
