package sshdtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/vmconn/vmconn/internal/sshd"
)

// rcFiles are the start-up files hidden from sessions, relative to the home
// directory.
var rcFiles = []string{".bashrc", ".profile", ".bash_profile", ".bash_login"}

// namespaceScript runs in the new mount namespace: it bind-mounts the
// marker file $1 onto itself (see tracker), then $2 (an empty file) over
// each existing rc file in the home directory $3 unless $3 is "", then
// becomes sshd (the remaining arguments).
var namespaceScript = `marker=$1 empty=$2 home=$3; shift 3
mount --bind "$marker" "$marker" || exit 97
for f in ` + strings.Join(rcFiles, " ") + `; do
	if [ -n "$home" ] && [ -f "$home/$f" ]; then
		mount --bind "$empty" "$home/$f" || exit 97
	fi
done
exec "$@"`

// daemon is one run of the sshd listener.
type daemon struct {
	*sshd.Daemon
	id procID
}

// launchSpec says how to run sshd.
type launchSpec struct {
	config, logFile, wrapperLog string
	namespace                   bool   // run in a private mount namespace (root)
	marker                      string // when namespace: the file to mount onto itself
	hideRCHome                  string // when namespace: hide the rc files of this home
	emptyFile                   string
}

// prefix is the command line that runs sshd: none, or unshare and sh
// that exec sshd, so that the pid is always sshd's.
func (l launchSpec) prefix() []string {
	if !l.namespace {
		return nil
	}
	return []string{"unshare", "--mount", "--propagation", "private", "--",
		"/bin/sh", "-c", namespaceScript, "sh", l.marker, l.emptyFile, l.hideRCHome}
}

// startDaemon writes the configuration, starts sshd and waits until it
// sends its banner on port. A terminal's ^C goes to the test only (sshd
// has its own process group). No Pdeathsig: Linux sends it when the
// thread that forked exits, which may be long before the test process
// does (go.dev/issue/27505); if the test process dies without cleanup,
// the next Start sweeps.
func startDaemon(ctx context.Context, l launchSpec, c sshdConfig) (*daemon, error) {
	out, err := os.OpenFile(l.wrapperLog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sshdtest: %w", err)
	}
	defer out.Close()
	d, err := sshd.Start(ctx, sshd.Options{
		Config: c.config(), ConfigFile: l.config, LogFile: l.logFile, Output: out, Prefix: l.prefix(),
		Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
	})
	if err != nil {
		return nil, fmt.Errorf("sshdtest: %w", err)
	}
	info, err := readProc(d.Pid())
	if err != nil {
		d.Kill()
		return nil, fmt.Errorf("sshdtest: read sshd process: %w", err)
	}
	return &daemon{Daemon: d, id: info.procID}, nil
}

// stop sends SIGTERM, then SIGKILL after 2s, and waits for sshd to exit.
// The listener's connections go on (they have their own sessions).
func (d *daemon) stop() { _ = d.Stop(2 * time.Second) }

// namespace returns the mount namespace sshd runs in.
func (d *daemon) namespace() (string, error) {
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", d.id.pid))
	if err != nil {
		return "", fmt.Errorf("sshdtest: %w", err)
	}
	self, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		return "", fmt.Errorf("sshdtest: %w", err)
	}
	if ns == self {
		return "", fmt.Errorf("sshdtest: sshd runs in the test's own mount namespace %s", ns)
	}
	return ns, nil
}
