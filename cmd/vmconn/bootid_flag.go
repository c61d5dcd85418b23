package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn"
)

// bootIDPattern is what --boot-id accepts: the kernel's boot_id (a UUID)
// or the "btime:N" that vmconn reads where boot_id is missing (see
// vmconn.Client.BootID).
var bootIDPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|btime:[0-9]+)$`)
})

// bootIDValue is the value of --boot-id: checked when parsed, so that a
// bad one is refused (exit 2) before anything is dialled.
type bootIDValue string

func (v *bootIDValue) String() string { return string(*v) }
func (v *bootIDValue) Type() string   { return "ID" }

func (v *bootIDValue) Set(s string) error {
	if !bootIDPattern().MatchString(s) {
		return fmt.Errorf("%q is not a boot id (a UUID, as \"vmconn bootid\" prints, or btime:N)", s)
	}
	*v = bootIDValue(s)
	return nil
}

// bootIDHelp ends the help of the subcommands that take --boot-id.
const bootIDHelp = `

With --boot-id ID (as "vmconn bootid" prints it, once, at the start of a
script), the machine's boot id is read first: if it is not ID, the machine
rebooted since, nothing runs, and the call prints "rebooted: ID -> NEW" on
stderr and exits 254 (with --json, an end object of class "rebooted" with
"old_boot_id" ID and "new_boot_id" NEW instead). For guard, ID is the boot id
before the command. Refused with -H and --hosts-file, and when ID is neither
a UUID nor btime:N (exit 2).`

// registerBootID adds --boot-id to cmd (exec, guard, long, cp), and
// says so at the end of its help.
func (g *globalFlags) registerBootID(cmd *cobra.Command) {
	cmd.Long += bootIDHelp
	cmd.Flags().Var(&g.bootID, "boot-id", `run only if the machine's boot id is still ID (from "vmconn bootid"); else exit 254 with "rebooted: ID -> NEW"`)
}

// errBootIDMany refuses --boot-id with several hosts: one id cannot be
// every host's.
var errBootIDMany = &exitError{code: exitUsage, err: errors.New("vmconn: --boot-id takes one host's boot id: it cannot be used with -H or --hosts-file")}

// bootIDChanged reports that the machine's boot id is not the one
// --boot-id named: it rebooted since. It wraps a *vmconn.RebootError
// (vmconn.ErrRebooted), so the JSON end object says "rebooted".
type bootIDChanged struct{ re *vmconn.RebootError }

func (e *bootIDChanged) Error() string {
	return fmt.Sprintf("rebooted: %s -> %s", e.re.OldBootID, e.re.NewBootID)
}

func (e *bootIDChanged) Unwrap() error { return e.re }

// checkBootID compares the machine's boot id with --boot-id, if given. A
// changed one is an exitError with status 254; c is then to be closed
// and nothing run.
func (g *globalFlags) checkBootID(ctx context.Context, c *vmconn.Client) error {
	want := string(g.bootID)
	if want == "" {
		return nil
	}
	got, err := c.BootID(ctx)
	if err != nil {
		return &exitError{code: exitConnError, err: err}
	}
	if got == want {
		return nil
	}
	re := &vmconn.RebootError{Addr: c.Addr(), OldBootID: want, NewBootID: got, NoticedAt: time.Now()}
	return &exitError{code: exitRebooted, err: &bootIDChanged{re: re}}
}

// rebootedJSON prints, with --json, the end object of a call that
// --boot-id stopped before it ran anything; other errors pass through.
func rebootedJSON(cmd *cobra.Command, g *globalFlags, host string, start time.Time, err error) error {
	var bc *bootIDChanged
	if !g.json || !errors.As(unwrapExit(err), &bc) {
		return err
	}
	return jsonExit(newJSONLines(cmd.OutOrStdout()).print(endOf(host, err, start, nil, nil)), err)
}
