package sshdtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/vmconn/vmconn/internal/testenv"
)

// sshdCandidates are the places to look for sshd when it is not on PATH
// (sbin directories are often missing from a non-root PATH).
var sshdCandidates = []string{"/usr/sbin/sshd", "/usr/local/sbin/sshd", "/sbin/sshd"}

// Available reports why Start cannot work on this machine, or nil when sshd
// and ssh-keygen are installed (and, as root, unshare).
func Available() error {
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
	if p, err := exec.LookPath("sshd"); err == nil && len(p) > 0 && p[0] == '/' {
		return p, nil
	}
	for _, p := range sshdCandidates {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New("sshdtest: sshd not found (install openssh-server)")
}

// sshdVersion returns the major and minor OpenSSH version of sshd, or 0, 0
// when it cannot tell.
var sshdVersion = sync.OnceValues(func() (int, int) {
	p, err := sshdPath()
	if err != nil {
		return 0, 0
	}
	out, _ := exec.Command(p, "-V").CombinedOutput() // prints the version, exits 1
	m := regexp.MustCompile(`OpenSSH_(\d+)\.(\d+)`).FindSubmatch(out)
	if m == nil {
		return 0, 0
	}
	major, _ := strconv.Atoi(string(m[1]))
	minor, _ := strconv.Atoi(string(m[2]))
	return major, minor
})
