//go:build linux

package netns

import (
	"os"
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/testenv"
)

// Require skips tb unless this process is root and ip and nft are
// installed; with CI=true in the environment it fails tb instead (see
// testenv.Require).
func Require(tb testing.TB) {
	tb.Helper()
	missing := missing()
	testenv.Require(tb, len(missing) == 0, "netns: namespace test hosts need "+strings.Join(missing, ", "))
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

// lookTool finds a system tool in PATH or the sbin directories, which a
// non-login root shell may lack in PATH. It returns "" when not found.
func lookTool(name string) string { return testenv.LookPath(name) }
