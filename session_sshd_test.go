package vmconn_test

import (
	"errors"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/sshdtest"
)

// Tests against a real sshd with "MaxSessions 1", as root and as an
// unprivileged user: OpenSSH frees a finished session only after it has
// read the next channel open, so back-to-back sessions are refused, and
// it ignores signal requests for root sessions.

// forEachMaxSessions1 runs f against an sshd with MaxSessions 1, logged
// in as root (the current user, when root) and as an unprivileged user.
func forEachMaxSessions1(t *testing.T, f func(t *testing.T, s *sshdtest.Server, c *vmconn.Client)) {
	t.Helper()
	sshdtest.RequireRoot(t, "a root login and an unprivileged user")
	for _, user := range []struct {
		name       string
		unprivUser bool
	}{{"root", false}, {"user", true}} {
		t.Run(user.name, func(t *testing.T) {
			t.Parallel()
			s := sshdtest.Start(t, sshdtest.Options{MaxSessions: 1, PasswordUser: user.unprivUser,
				HostKeyTypes: []string{"ed25519"}})
			f(t, s, dialSSHD(t, s, nil))
		})
	}
}

// TestSSHDMaxSessions1Cancel: a cancelled command's processes are gone
// when Wait returns, although the kill session is refused while the
// command's own session holds the only slot (and, as root, sshd ignores
// the signal request).
func TestSSHDMaxSessions1Cancel(t *testing.T) {
	forEachMaxSessions1(t, func(t *testing.T, _ *sshdtest.Server, c *vmconn.Client) {
		assertCancelKills(t, c)
	})
}

// TestSSHDMaxSessions1Guard: back to back, the boot id read, the command
// and the second boot id read each get the only session slot.
func TestSSHDMaxSessions1Guard(t *testing.T) {
	forEachMaxSessions1(t, func(t *testing.T, _ *sshdtest.Server, c *vmconn.Client) {
		for i := range 20 {
			cmd := c.Command(testCtx(t), "echo ok")
			cmd.RebootGuard = true
			if out, err := cmd.Output(); err != nil || string(out) != "ok\n" {
				t.Fatalf("run %d: %q, %v", i, out, err)
			}
		}
	})
}

// TestSSHDPermitTTYNo: sshd refusing the pty is ErrRefused, not a lost
// connection.
func TestSSHDPermitTTYNo(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{ExtraConfig: []string{"PermitTTY no"}, HostKeyTypes: []string{"ed25519"}})
	c := dialSSHD(t, s, nil)
	cmd := c.Command(testCtx(t), "true")
	cmd.PTY = &vmconn.PTY{}
	if err := cmd.Run(); !errors.Is(err, vmconn.ErrRefused) || errors.Is(err, vmconn.ErrConnLost) {
		t.Fatalf("Run = %v; want ErrRefused, not ErrConnLost", err)
	}
}
