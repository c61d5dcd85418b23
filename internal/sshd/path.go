package sshd

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// candidates are the places to look for sshd when it is not on PATH
// (sbin directories are often missing from a non-root PATH).
var candidates = []string{"/usr/sbin/sshd", "/usr/local/sbin/sshd", "/sbin/sshd"}

// ErrNotInstalled means that sshd was found neither on PATH nor in the
// sbin directories.
var ErrNotInstalled = errors.New("sshd not found (install openssh-server)")

// Path returns the absolute path of sshd, which sshd needs to re-exec
// itself, or ErrNotInstalled.
func Path() (string, error) {
	if p, err := exec.LookPath("sshd"); err == nil && filepath.IsAbs(p) {
		return p, nil
	}
	for _, p := range candidates {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", ErrNotInstalled
}

// VersionString returns OpenSSH's version as "sshd -V" prints it
// ("OpenSSH_9.6p1 Ubuntu-3ubuntu13, OpenSSL 3.0.13 30 Jan 2024"), or
// "unknown".
var VersionString = sync.OnceValue(func() string {
	p, err := Path()
	if err != nil {
		return "unknown"
	}
	out, _ := exec.Command(p, "-V").CombinedOutput() // prints the version, exits 1
	if s := strings.TrimSpace(string(out)); s != "" {
		return s
	}
	return "unknown"
})

// Version returns the major and minor version of OpenSSH's sshd, or 0, 0
// when it cannot tell.
func Version() (major, minor int) {
	m := regexp.MustCompile(`OpenSSH_(\d+)\.(\d+)`).FindStringSubmatch(VersionString())
	if m == nil {
		return 0, 0
	}
	major, _ = strconv.Atoi(m[1])
	minor, _ = strconv.Atoi(m[2])
	return major, minor
}

// atLeast reports whether sshd is version major.minor or later.
func atLeast(major, minor int) bool {
	ma, mi := Version()
	return ma > major || ma == major && mi >= minor
}
