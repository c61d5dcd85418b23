package main

import (
	"time"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn"
)

// guardJSON runs a guarded command with --json: its output as output
// objects, then an end object with both boot ids and whether the machine
// rebooted (absent when the boot id after could not be read).
func guardJSON(cmd *cobra.Command, host string, rc *vmconn.Cmd) error {
	start := time.Now()
	jl := newJSONLines(cmd.OutOrStdout())
	out, errOut := jl.streams(host, 0, 0)
	rc.Stdout, rc.Stderr = out, errOut
	err := rc.Run()
	e := endOf(host, err, start, out, errOut)
	e.OldBootID, e.NewBootID = rc.BootIDs()
	if e.OldBootID != "" && e.NewBootID != "" {
		rebooted := e.OldBootID != e.NewBootID
		e.Rebooted = &rebooted
	}
	exit := jsonExit(jl.print(e), err)
	if e.Rebooted != nil && *e.Rebooted {
		return &exitError{code: exitRebooted}
	}
	return exit
}
