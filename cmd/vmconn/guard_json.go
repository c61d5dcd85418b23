package main

import (
	"errors"
	"time"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/fanout"
)

// guardJSON runs a guarded command with --json: its output as output
// objects, then an end object with both boot ids and whether the machine
// rebooted (absent when the boot id after could not be read). When a
// boot id could not be read, exit_status is still the command's (-1 if it
// did not run) and the CLI exits 255, never with a boot-id read's status.
func guardJSON(cmd *cobra.Command, host string, rc *vmconn.Cmd) error {
	start := time.Now()
	jl := newJSONLines(cmd.OutOrStdout())
	out, errOut := jl.streams(host, 0, 0)
	rc.Stdout, rc.Stderr = out, errOut
	err := rc.Run()
	e := endOf(host, err, start, out, errOut)
	e.OldBootID, e.NewBootID = rc.BootIDs()
	e.ExitStatus = rc.ExitCode() // the command's, not a boot-id read's
	if e.OldBootID != "" && e.NewBootID != "" {
		rebooted := e.OldBootID != e.NewBootID
		e.Rebooted = &rebooted
	}
	var be *vmconn.BootIDError
	idFailed := errors.As(err, &be) // a boot id could not be read
	if idFailed && e.Class == fanout.Failed.String() {
		e.Class = fanout.Error.String()
	}
	exit := jsonExit(jl.print(e), err)
	switch {
	case exit == nil:
		return nil
	case e.Rebooted != nil && *e.Rebooted:
		return &exitError{code: exitRebooted}
	case idFailed: // on stderr too: it is not the command's own failure
		return &exitError{code: exitConnError, err: err}
	}
	return exit
}
