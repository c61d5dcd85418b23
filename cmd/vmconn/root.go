package main

import (
	"github.com/spf13/cobra"
)

func newRootCmd() *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:   "vmconn",
		Short: "Drive remote Linux machines over SSH, and know what happened to every command",
		Long: `vmconn runs commands on remote Linux machines over SSH, streams their output,
reports their exit status, and tells a lost connection from a reboot.

Hosts are written [user@]host[:port]; an IPv6 address with a port as [addr]:port.
Host keys are verified against ~/.ssh/known_hosts unless asked otherwise.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	g.register(root)
	root.AddCommand(newExecCmd(g), newDemoCmd())
	for _, add := range extraCommands {
		root.AddCommand(add(g))
	}
	return root
}

// extraCommands lets each subcommand's file register itself.
var extraCommands []func(*globalFlags) *cobra.Command
