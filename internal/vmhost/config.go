package vmhost

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/vmconn/vmconn/internal/netns"
	"github.com/vmconn/vmconn/internal/testenv"
)

// sshdConfig is the whole sshd configuration; %[1]s is Host.Dir.
const sshdConfig = `# written by github.com/vmconn/vmconn/internal/vmhost
Port 22
ListenAddress 0.0.0.0
ListenAddress ::
HostKey %[1]s/` + hostKeyFile + `
AuthorizedKeysFile %[1]s/authorized_keys
PidFile none
StrictModes no
UsePAM no
PermitRootLogin yes
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
LogLevel VERBOSE
MaxStartups 100:30:200
UseDNS no
PrintMotd no
PrintLastLog no
`

// writeSSHDConfig writes sshd_config for the files in dir.
func writeSSHDConfig(file, dir string) error {
	text := fmt.Sprintf(sshdConfig, dir)
	if t := tools(); t.major > 9 || t.major == 9 && t.minor >= 8 {
		// Killed connections count as crashes: don't let them lock us out.
		text += "PerSourcePenalties no\n"
	}
	return os.WriteFile(file, []byte(text), 0o600)
}

// toolPaths are the programs the harness runs, by absolute path.
type toolPaths struct {
	sshd, nsenter, mount string
	missing              []string // names of those not found
	major, minor         int      // OpenSSH's version; 0, 0 if unknown
}

// tools finds the harness's programs once.
var tools = sync.OnceValue(func() toolPaths {
	var t toolPaths
	for name, path := range map[string]*string{"sshd": &t.sshd, "nsenter": &t.nsenter, "mount": &t.mount} {
		if *path = lookTool(name); *path == "" {
			t.missing = append(t.missing, name)
		}
	}
	if t.sshd != "" {
		out, _ := exec.Command(t.sshd, "-V").CombinedOutput() // prints the version, exits 1
		if m := regexp.MustCompile(`OpenSSH_(\d+)\.(\d+)`).FindSubmatch(out); m != nil {
			t.major, _ = strconv.Atoi(string(m[1]))
			t.minor, _ = strconv.Atoi(string(m[2]))
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
