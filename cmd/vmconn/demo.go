package main

import "github.com/spf13/cobra"

func newDemoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Walk through vmconn's features against a built-in test VM on loopback",
		Long: `Walk through vmconn's features against a built-in test VM on loopback.

The test VM (package vmtest) runs real commands in a local /bin/sh, so demo
runs on Linux, macOS and FreeBSD; on Windows it exits 1 and says so. CI runs
it on Linux only.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), cmd.OutOrStdout())
		},
	}
}
