//go:build linux

package vmhost

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vmconn/vmconn/internal/netns"
	"github.com/vmconn/vmconn/internal/sshd"
	"github.com/vmconn/vmconn/internal/testenv"
)

// sshdConfig is the sshd configuration for the files in dir: root logs
// in with a key on port 22 of every address; with path, sessions get it as
// PATH.
func sshdConfig(dir, path string) sshd.Config {
	var lines []string
	if path != "" {
		lines = append(lines, "SetEnv PATH="+path)
	}
	return sshd.Config{
		Lines:              lines,
		Comment:            "written by github.com/vmconn/vmconn/internal/vmhost",
		Port:               22,
		ListenAddresses:    []string{"0.0.0.0", "::"},
		HostKeys:           []string{filepath.Join(dir, hostKeyFile)},
		AuthorizedKeysFile: filepath.Join(dir, "authorized_keys"),
	}
}

// toolPaths are the programs the harness runs, by absolute path.
type toolPaths struct {
	sshd, nsenter, mount string
	missing              []string // names of those not found
}

// tools finds the harness's programs once.
var tools = sync.OnceValue(func() toolPaths {
	var t toolPaths
	for name, path := range map[string]*string{"sshd": &t.sshd, "nsenter": &t.nsenter, "mount": &t.mount} {
		if *path = lookTool(name); *path == "" {
			t.missing = append(t.missing, name)
		}
	}
	return t
})

// lookTool finds a system tool in PATH or in the sbin directories, which
// a non-login root shell may lack in PATH; "" when not found.
func lookTool(name string) string { return testenv.LookPath(name) }

// Require skips tb unless the harness can run here: root, sshd, nsenter,
// mount, and what netns needs (ip, nft). With CI=true it fails tb
// instead, so that CI cannot pass without running these tests (see
// testenv.Require).
func Require(tb testing.TB) {
	tb.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	missing = append(missing, tools().missing...)
	testenv.Require(tb, len(missing) == 0, "vmhost: the stand-in machine needs "+strings.Join(missing, ", "))
	netns.Require(tb)
}
