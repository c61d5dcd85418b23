package main

import (
	"github.com/spf13/cobra"
)

func newRootCmd() *cobra.Command { return newRootCmdWith(&globalFlags{}) }

// newRootCmdWith builds the whole command tree on g, the flags every
// subcommand shares, and the root's --version.
func newRootCmdWith(g *globalFlags) *cobra.Command {
	root := newBareRootCmd(g)
	root.Version = version()
	for _, s := range subcommands {
		root.AddCommand(s.build(g))
	}
	return root
}

// newRootCmdFor builds the tree a call with args needs, as main does: when
// args start with a subcommand's name, the root holds that subcommand
// alone (a script that calls vmconn a thousand times pays for building one
// subcommand's flags, not fifteen, nor the build info that only the
// root's --version shows), else every subcommand (help, shell
// completion, a flag before the subcommand, a typo to suggest a fix for).
func newRootCmdFor(g *globalFlags, args []string) *cobra.Command {
	if len(args) > 0 {
		for _, s := range subcommands {
			if s.name == args[0] {
				root := newBareRootCmd(g)
				root.CompletionOptions.DisableDefaultCmd = true
				root.AddCommand(s.build(g))
				return root
			}
		}
	}
	return newRootCmdWith(g)
}

// newBareRootCmd builds the root command, with the shared flags and no
// subcommands.
func newBareRootCmd(g *globalFlags) *cobra.Command {
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
	}
	g.register(root)
	return root
}

// subcommand is one of the root's subcommands: its name, and how to
// build it on the shared flags.
type subcommand struct {
	name  string
	build func(g *globalFlags) *cobra.Command
}

// subcommands lists every subcommand (help shows them sorted by name).
// TestSubcommandNames checks each name against the command built.
var subcommands = []subcommand{
	{"exec", newExecCmd}, {"shell", newShellCmd},
	{"alive", newAliveCmd},
	{"bootid", newBootIDCmd}, {"reboot", newRebootCmd}, {"guard", newGuardCmd},
	{"long", newLongCmd}, {"attach", newAttachCmd}, {"jobs", newJobsCmd}, {"kill", newKillCmd},
	{"cp", newCpCmd},
	{"forward", newForwardCmd},
	{"control", newControlCmd},
	{"demo", func(*globalFlags) *cobra.Command { return newDemoCmd() }},
	{"testserver", newTestServerCmd},
}
