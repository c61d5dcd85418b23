package job

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/errutil"
	"golang.org/x/crypto/ssh"
)

// Kill sends sig (zero means SIGTERM) to the job's whole process group:
// the command and every process it started that did not leave the group.
// The wrapper lives on and records the exit status, which Follow then
// returns. Kill reads the boot id first and signals nothing if the job
// started under another boot (the pid may belong to anyone now): it
// returns a *LostError then. A job that already ended returns
// ErrFinished; a missing one, ErrNotFound.
func (j *Job) Kill(ctx context.Context, sig ssh.Signal) error {
	name, err := signalName(sig)
	if err != nil {
		return err
	}
	boot, err := j.client.BootID(ctx)
	if err != nil {
		return errutil.Errorf("kill job %s: reading boot id: %w", j.ID, err)
	}
	_, err = runScript(ctx, j.client, jobKillScript, j.Dir, name, boot)
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) {
		if err != nil {
			return errutil.Errorf("kill job %s: %w", j.ID, err)
		}
		return nil
	}
	switch ee.Status {
	case 3:
		return fmt.Errorf("vmconn: kill job %s: %w", j.ID, ErrNotFound)
	case 4:
		o0, o1 := j.Offsets()
		return &LostError{ID: j.ID, Reason: "rebooted", OldBootID: j.BootID, NewBootID: boot, Stdout: o0, Stderr: o1}
	case 5:
		return fmt.Errorf("vmconn: kill job %s: %w", j.ID, ErrFinished)
	}
	return errutil.Errorf("kill job %s: %w", j.ID, err) // err's message ends with the script's stderr
}

// signalName checks a signal's name, without "SIG", as kill -s takes it.
func signalName(sig ssh.Signal) (string, error) {
	name := strings.TrimPrefix(string(sig), "SIG")
	if sig == "" {
		name = string(ssh.SIGTERM)
	}
	ok := name != "" && strings.IndexFunc(name, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0
	if !ok {
		return "", fmt.Errorf("vmconn: bad signal name %q: %w", sig, vmconn.ErrConfig)
	}
	return name, nil
}
