package netns

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Require skips tb unless this process is root and ip and nft are
// installed; with CI=true in the environment it fails tb instead.
func Require(tb testing.TB) {
	tb.Helper()
	if missing := missing(); len(missing) > 0 {
		unavailable(tb, "namespace test hosts need "+strings.Join(missing, ", "))
	}
}

// Available reports whether labs can be made here: root, ip and nft.
func Available() bool { return len(missing()) == 0 }

// missing lists what labs need and this process lacks.
func missing() []string {
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	for _, tool := range []string{"ip", "nft"} {
		if lookTool(tool) == "" {
			missing = append(missing, tool)
		}
	}
	return missing
}

// unavailable skips tb, or fails it under CI=true.
func unavailable(tb testing.TB, why string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("netns: %s (CI=true: these tests must run)", why)
	}
	tb.Skipf("netns: %s; skipping", why)
}

// lookTool finds a system tool in PATH or the sbin directories, which a
// non-login root shell may lack in PATH. It returns "" when not found.
func lookTool(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/bin", "/bin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}
