package sshdtest

import (
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/vmconn/vmconn/internal/sshd"
	"github.com/vmconn/vmconn/internal/testenv"
)

// Available reports why Start cannot work on this machine, or nil when sshd
// and ssh-keygen are installed (and, as root, unshare). On a system other
// than unix it reports that the harness cannot run there.
func Available() error {
	if errPlatform != nil {
		return errPlatform
	}
	if _, err := sshdPath(); err != nil {
		return err
	}
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		return fmt.Errorf("sshdtest: ssh-keygen not found (install openssh-client): %w", err)
	}
	if _, err := exec.LookPath("unshare"); err != nil && os.Geteuid() == 0 {
		return fmt.Errorf("sshdtest: unshare not found (install util-linux): %w", err)
	}
	return nil
}

// Require skips the test when Available reports a problem, or fails it when
// the environment variable CI is "true", where a missing sshd is a broken CI
// machine rather than a reason to skip (see testenv.Require).
func Require(t testing.TB) {
	t.Helper()
	err := Available()
	testenv.Require(t, err == nil, fmt.Sprint(err))
}

// RequireRoot is testenv.RequireRoot, kept for the tests that call it by
// this name.
func RequireRoot(t testing.TB, feature string) {
	t.Helper()
	testenv.RequireRoot(t, "sshdtest: "+feature)
}

// sshdPath returns the absolute path of sshd, which sshd needs to re-exec
// itself.
func sshdPath() (string, error) {
	p, err := sshd.Path()
	if err != nil {
		return "", fmt.Errorf("sshdtest: %w", err)
	}
	return p, nil
}
