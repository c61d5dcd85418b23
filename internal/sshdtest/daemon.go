package sshdtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
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
	cmd  *exec.Cmd
	id   procID
	done chan struct{} // closed once cmd.Wait has returned
	err  error         // cmd.Wait's error, set before done is closed
}

// launchSpec says how to run sshd.
type launchSpec struct {
	sshd, config, logFile, wrapperLog string
	namespace                         bool   // run in a private mount namespace (root)
	marker                            string // when namespace: the file to mount onto itself
	hideRCHome                        string // when namespace: hide the rc files of this home
	emptyFile                         string
}

// command builds the command line: sshd itself, or unshare and sh that
// exec sshd, so that the pid is always sshd's.
func (l launchSpec) command() []string {
	sshd := []string{l.sshd, "-D", "-E", l.logFile, "-f", l.config}
	if !l.namespace {
		return sshd
	}
	cmd := []string{"unshare", "--mount", "--propagation", "private", "--",
		"/bin/sh", "-c", namespaceScript, "sh", l.marker, l.emptyFile, l.hideRCHome}
	return append(cmd, sshd...)
}

// startDaemon starts sshd and waits until it sends its banner on addr.
func startDaemon(ctx context.Context, l launchSpec, addr string) (*daemon, error) {
	out, err := os.OpenFile(l.wrapperLog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sshdtest: %w", err)
	}
	defer out.Close()
	argv := l.command()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group: a terminal's ^C goes to the test only. No
	// Pdeathsig: Linux sends it when the thread that forked exits, which
	// may be long before the test process does (go.dev/issue/27505); if
	// the test process dies without cleanup, the next Start sweeps.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("sshdtest: start %s: %w", argv[0], err)
	}
	d := &daemon{cmd: cmd, done: make(chan struct{})}
	go func() {
		d.err = cmd.Wait()
		close(d.done)
	}()
	if err := d.waitReady(ctx, addr); err != nil {
		d.stop()
		return nil, err
	}
	info, err := readProc(cmd.Process.Pid)
	if err != nil {
		d.stop()
		return nil, fmt.Errorf("sshdtest: read sshd process: %w", err)
	}
	d.id = info.procID
	return d, nil
}

// errExited means sshd exited before it accepted connections; the logs say
// why (often: the port was taken meanwhile).
var errExited = errors.New("sshdtest: sshd exited before accepting connections")

// waitReady polls addr until sshd sends "SSH-2.0-", sshd exits or ctx ends.
func (d *daemon) waitReady(ctx context.Context, addr string) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if bannerOK(ctx, addr) {
			return nil
		}
		select {
		case <-d.done:
			return fmt.Errorf("%w: %v", errExited, d.err)
		case <-ctx.Done():
			return fmt.Errorf("sshdtest: sshd not ready on %s: %w", addr, ctx.Err())
		case <-tick.C:
		}
	}
}

// bannerOK reports whether an SSH-2.0 server answers on addr.
func bannerOK(ctx context.Context, addr string) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var dialer net.Dialer
	c, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	defer c.Close()
	deadline, _ := ctx.Deadline()
	c.SetReadDeadline(deadline)
	buf := make([]byte, 8)
	n, _ := io.ReadFull(c, buf)
	return strings.HasPrefix(string(buf[:n]), "SSH-2.0-")
}

// stop sends SIGTERM, then SIGKILL after 2s, and waits for sshd to exit.
// The listener's connections go on (they have their own sessions).
func (d *daemon) stop() {
	d.cmd.Process.Signal(syscall.SIGTERM)
	grace := time.NewTimer(2 * time.Second)
	defer grace.Stop()
	select {
	case <-d.done:
		return
	case <-grace.C:
	}
	d.cmd.Process.Kill()
	<-d.done
}

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
