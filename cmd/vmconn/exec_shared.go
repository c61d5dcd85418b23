package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/control"
	"github.com/vmconn/vmconn/sshconfig"
)

// runShared runs r through a master's control.Run when the call shares
// a connection (sh, from resolve): the master runs the command, and this
// process pays for no SSH handshake of its own. done is false when the
// call must dial instead (it does not share, it needs what Run does not
// carry: a PTY, sudo or --json, or the master there cannot serve it);
// then nothing has run and nothing of stdin was read.
func (r execRequest) runShared(ctx context.Context, cmd *cobra.Command, g *globalFlags, res *sshconfig.Resolved, sh *sharing) (done bool, err error) {
	if sh == nil || r.pty || g.json || g.ssh.sudo || g.ssh.sudoPwEnv != "" {
		return false, nil
	}
	run := &control.Run{Command: r.command, BootID: string(g.bootID), Stdin: r.stdin,
		Stdout: cmd.OutOrStdout(), Stderr: cmd.ErrOrStderr()}
	err = run.Run(ctx, sh.path, sh.key)
	if sh.start && (errors.Is(err, control.ErrNoMaster) || errors.Is(err, control.ErrStale)) {
		if serr := g.startMaster(ctx, r.host, res.Config.ConnectTimeout); serr != nil && !errors.Is(serr, control.ErrInUse) {
			return true, sharingError(sh.path, serr)
		}
		err = run.Run(ctx, sh.path, sh.key)
	}
	switch {
	case errors.Is(err, control.ErrNoMaster), errors.Is(err, control.ErrStale),
		errors.Is(err, control.ErrMismatch), errors.Is(err, control.ErrProtocol):
		return false, nil // the dial decides, and says why in -v's records
	case errors.Is(err, control.ErrUntrusted), errors.Is(err, control.ErrPathTooLong), errors.Is(err, control.ErrUnsupported):
		return true, sharingError(sh.path, err)
	}
	if log := res.Config.Logger; log != nil {
		log.Info("vmconn: ran through a master", "path", sh.path)
	}
	var re *vmconn.RebootError
	if errors.As(err, &re) {
		return true, &exitError{code: exitRebooted, err: &bootIDChanged{re: re}}
	}
	return true, commandExit(err)
}
