package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// CI reports whether the environment variable CI is "true": then a test
// whose requirements are missing fails instead of skipping.
func CI() bool { return os.Getenv("CI") == "true" }

// Require skips tb with the message why unless ok, or fails it when CI
// reports true (the message then says that CI does not skip).
func Require(tb testing.TB, ok bool, why string) {
	tb.Helper()
	if ok {
		return
	}
	if CI() {
		tb.Fatalf("%s (CI=true: not skipping)", why)
		return
	}
	tb.Skipf("%s; skipping", why)
}

// RequireRoot skips tb (fails it under CI=true) unless the test runs as
// root; what says what needs root ("a second user").
func RequireRoot(tb testing.TB, what string) {
	tb.Helper()
	uid := os.Geteuid()
	Require(tb, uid == 0, what+" needs root (running as uid "+strconv.Itoa(uid)+")")
}

// RequireCommand skips tb (fails it under CI=true) unless the program
// name is installed (see LookPath), and returns its absolute path.
func RequireCommand(tb testing.TB, name string) string {
	tb.Helper()
	p := LookPath(name)
	Require(tb, p != "", name+" is not installed (scripts/install-deps.sh installs it)")
	return p
}

// sbinDirs are where system tools live that a non-login (root) shell may
// lack in its PATH.
var sbinDirs = []string{"/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"}

// LookPath returns the absolute path of the program name, found in PATH
// or in the sbin directories, or "" when it is not installed.
func LookPath(name string) string {
	if p, err := exec.LookPath(name); err == nil && filepath.IsAbs(p) {
		return p
	}
	if filepath.IsAbs(name) {
		return ""
	}
	for _, dir := range sbinDirs {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// Installed returns those of the commands names that are on PATH; under
// CI=true a missing one fails the test (scripts/install-deps.sh must
// install it), elsewhere it is left out.
func Installed(tb testing.TB, names []string) []string {
	tb.Helper()
	var out []string
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if CI() {
				tb.Fatalf("%s not installed (scripts/install-deps.sh); CI=true: not skipping", n)
			}
			continue
		}
		out = append(out, n)
	}
	return out
}
