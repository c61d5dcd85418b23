//go:build linux

package vmhost

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// Boot is one boot of the machine, from the start of its PID 1 to its
// death.
type Boot struct {
	ID        string    // its boot id
	Started   time.Time // when PID 1 started
	Accepting time.Time // when sshd first answered with its banner; zero if it never did
	Ended     time.Time // when PID 1 died; zero while the boot runs
	End       End       // how it ended
}

// End says how a boot ended.
type End int

// How a boot can end.
const (
	Running    End = iota // it has not ended
	Killed                // the harness killed it: Reboot, RebootWithNewHostKey or cleanup
	RebootCall            // reboot(2) with RESTART inside: PID 1 died of SIGHUP; the machine boots again
	HaltCall              // reboot(2) with HALT or POWER_OFF: PID 1 died of SIGINT; the machine stays down
	Crashed               // PID 1 died another way: the machine stays down
)

// String returns the End's name: "running", "killed"...
func (e End) String() string {
	switch e {
	case Running:
		return "running"
	case Killed:
		return "killed"
	case RebootCall:
		return "reboot(2)"
	case HaltCall:
		return "halt(2)"
	case Crashed:
		return "crashed"
	}
	return "End(" + strconv.Itoa(int(e)) + ")"
}

// boot is a running boot.
type boot struct {
	index  int       // in Host.boots
	cmd    *exec.Cmd // PID 1
	pid    int       // PID 1's pid in the test's PID namespace
	pidNS  string    // "pid:[INODE]" of the boot's PID namespace
	killed atomic.Bool
	done   chan struct{} // closed once PID 1 has been waited for
	sshd   *listener     // nil while sshd is stopped; guarded by Host.life
}

// initScript is PID 1: it makes the machine's view of the system, says
// "ready" on its stdout, and then reaps orphans (dash's wait reaps any
// child) until it is killed. $1 is Host.Dir, $2 root's home, $3 mount,
// $4 "1" to mount Dir/home over root's home (for Dropbear).
const initScript = `set -e
d=$1 home=$2 mount=$3
"$mount" -t proc -o nosuid,nodev,noexec proc /proc
"$mount" --bind "$d/boot_id" /proc/sys/kernel/random/boot_id
if [ "$4" = 1 ]; then
	"$mount" --bind "$d/home" "$home"
fi
for f in .bashrc .profile .bash_profile .bash_login; do
	if [ -f "$home/$f" ]; then "$mount" --bind "$d/empty" "$home/$f"; fi
done
echo ready
exec >>"$d/init.log" 2>&1
set +e
while :; do sleep 3600 & wait $!; done
`

// bootLocked boots the machine with a new boot id. The caller holds
// h.life and the machine is down.
func (h *Host) bootLocked() error {
	id := newBootID()
	if err := os.WriteFile(h.path("boot_id"), []byte(id+"\n"), 0o644); err != nil {
		return err
	}
	if err := h.installNextHostKey(); err != nil {
		return err
	}
	b, err := h.startInit(id)
	if err != nil {
		return err
	}
	accepting, err := h.startSSHDLocked(b)
	if err != nil {
		b.kill()
		<-b.done
		return err
	}
	h.mu.Lock()
	h.boots[b.index].Accepting = accepting
	h.notifyLocked()
	h.mu.Unlock()
	return nil
}

// startInit starts PID 1 in new PID and mount namespaces inside the vm's
// network namespace, records the boot and waits until PID 1 is ready.
func (h *Host) startInit(id string) (*boot, error) {
	log, err := os.OpenFile(h.path("init.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	ready, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer ready.Close()
	cmd := exec.Command("/bin/sh", "-c", initScript, "init", h.Dir, h.home, tools().mount, strconv.Itoa(int(h.server)))
	cmd.Stdout, cmd.Stderr = w, log
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:   syscall.CLONE_NEWPID,
		Unshareflags: syscall.CLONE_NEWNS, // Go makes every mount private in it
		Pdeathsig:    syscall.SIGKILL,     // the machine dies with the test process
	}
	// The child inherits the network namespace of the thread that forks it.
	err = h.VM.Do(cmd.Start)
	w.Close()
	if err != nil {
		return nil, fmt.Errorf("starting PID 1: %w", err)
	}
	b := &boot{cmd: cmd, pid: cmd.Process.Pid, done: make(chan struct{})}
	h.mu.Lock()
	b.index = len(h.boots)
	h.boots = append(h.boots, Boot{ID: id, Started: time.Now()})
	h.cur = b
	h.notifyLocked()
	h.mu.Unlock()
	h.wg.Add(1)
	go h.supervise(b)
	if err := h.waitReady(b, ready); err != nil {
		b.kill()
		<-b.done
		return nil, err
	}
	return b, nil
}

// waitReady waits for PID 1's "ready", then checks that PID 1 runs in a
// PID namespace of its own (see the package doc: this is what keeps a
// reboot command from reaching the test machine).
func (h *Host) waitReady(b *boot, ready *os.File) error {
	_ = ready.SetReadDeadline(time.Now().Add(waitTimeout))
	line, err := bufio.NewReader(ready).ReadString('\n')
	if err != nil || line != "ready\n" {
		return fmt.Errorf("PID 1 did not get ready (%q, %v)", line, err)
	}
	b.pidNS, err = checkChildPIDNamespace(b.pid)
	return err
}

// kill kills PID 1, and so its whole PID namespace, as the harness's
// doing. Go signals it through a pidfd: never another process.
func (b *boot) kill() {
	b.killed.Store(true)
	_ = b.cmd.Process.Kill()
}

// alive reports whether PID 1 has not been reaped yet.
func (b *boot) alive() bool {
	select {
	case <-b.done:
		return false
	default:
		return true
	}
}

// namespaceFiles opens PID 1's PID, mount and network namespaces, for
// nsenter, and makes sure that they are PID 1's: that it was not reaped
// (and its pid reused) before they were opened.
func (b *boot) namespaceFiles() ([]*os.File, error) {
	var files []*os.File
	for _, ns := range []string{"pid", "mnt", "net"} {
		f, err := os.Open(fmt.Sprintf("/proc/%d/ns/%s", b.pid, ns))
		if err != nil {
			closeAll(files)
			return nil, fmt.Errorf("the machine is down: %w", err)
		}
		files = append(files, f)
	}
	if err := b.cmd.Process.Signal(syscall.Signal(0)); err != nil { // through a pidfd
		closeAll(files)
		return nil, fmt.Errorf("the machine is down: %w", err)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(files[0].Fd()), &st); err != nil || fmt.Sprintf("pid:[%d]", st.Ino) != b.pidNS {
		closeAll(files)
		return nil, fmt.Errorf("refusing to go on: PID 1's namespace is not %s (%v)", b.pidNS, err)
	}
	return files, nil
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// supervise waits for PID 1 to die, records how, and boots the machine
// again after a reboot(2) restart.
func (h *Host) supervise(b *boot) {
	defer h.wg.Done()
	_ = b.cmd.Wait()
	end := Crashed
	ws, _ := b.cmd.ProcessState.Sys().(syscall.WaitStatus)
	switch {
	case b.killed.Load():
		end = Killed
	case ws.Signaled() && ws.Signal() == syscall.SIGHUP:
		end = RebootCall
	case ws.Signaled() && ws.Signal() == syscall.SIGINT:
		end = HaltCall
	}
	h.mu.Lock()
	h.boots[b.index].Ended, h.boots[b.index].End = time.Now(), end
	if h.cur == b {
		h.cur = nil
	}
	h.notifyLocked()
	h.mu.Unlock()
	close(b.done)
	if end == RebootCall {
		h.rebootAfterCall(b)
	}
}

// rebootAfterCall boots the machine after the downtime, unless something
// else booted it meanwhile or the test is over.
func (h *Host) rebootAfterCall(b *boot) {
	select {
	case <-time.After(h.downtime):
	case <-h.stop:
		return
	}
	h.life.Lock()
	defer h.life.Unlock()
	h.mu.Lock()
	stale := h.cur != nil || len(h.boots) != b.index+1
	h.mu.Unlock()
	if stale || h.over() {
		return
	}
	if err := h.bootLocked(); err != nil {
		h.mu.Lock()
		h.errs = append(h.errs, fmt.Errorf("boot after reboot(2): %w", err))
		h.mu.Unlock()
	}
}

// over reports whether the test's cleanup has begun.
func (h *Host) over() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed
}

// notifyLocked wakes WaitBoot callers. The caller holds h.mu.
func (h *Host) notifyLocked() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// shutdownLocked kills the running boot, if any, and waits until every
// process of its PID namespace is gone. The caller holds h.life.
func (h *Host) shutdownLocked() error {
	h.mu.Lock()
	b := h.cur
	h.mu.Unlock()
	if b == nil {
		return nil
	}
	b.kill()
	select {
	case <-b.done: // PID 1 is reaped only once the rest of its namespace is gone
	case <-time.After(waitTimeout):
		return fmt.Errorf("PID 1 (%d) still runs %v after SIGKILL", b.pid, waitTimeout)
	}
	if b.sshd != nil {
		b.sshd.wait()
		b.sshd = nil
	}
	return nil
}

// Reboot kills every process of the machine, makes a new boot id, and
// boots again after Options.Downtime. It returns once sshd answers. On a
// machine that is down (halted) it boots it.
func (h *Host) Reboot() error {
	h.life.Lock()
	defer h.life.Unlock()
	if h.over() {
		return errors.New("vmhost: reboot: the test is over")
	}
	if err := h.shutdownLocked(); err != nil {
		return fmt.Errorf("vmhost: reboot: %w", err)
	}
	select {
	case <-time.After(h.downtime):
	case <-h.stop:
		return errors.New("vmhost: reboot: the test is over")
	}
	if err := h.bootLocked(); err != nil {
		return fmt.Errorf("vmhost: reboot: %w", err)
	}
	return nil
}

// RebootWithNewHostKey rotates the host key (RotateHostKey) and reboots:
// clients that trust the old key (KnownHostsFile) see a changed key.
func (h *Host) RebootWithNewHostKey() error {
	if err := h.RotateHostKey(); err != nil {
		return err
	}
	return h.Reboot()
}

// Boots returns every boot so far, the running one last.
func (h *Host) Boots() []Boot {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Boot(nil), h.boots...)
}

// WaitBoot waits until the machine's nth boot (the one Start made is the
// first) accepts connections. It fails when ctx ends first, or when the
// machine went down for good (halted or crashed) before that boot.
func (h *Host) WaitBoot(ctx context.Context, n int) error {
	for {
		h.mu.Lock()
		boots, changed := append([]Boot(nil), h.boots...), h.changed
		h.mu.Unlock()
		if len(boots) >= n && !boots[n-1].Accepting.IsZero() {
			return nil
		}
		if len(boots) >= n && boots[n-1].End != Running {
			return fmt.Errorf("vmhost: boot %d ended (%v) before sshd answered", n, boots[n-1].End)
		}
		if last := boots[len(boots)-1]; last.End == HaltCall || last.End == Crashed {
			return fmt.Errorf("vmhost: waiting for boot %d: boot %d ended: %v", n, len(boots), last.End)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("vmhost: waiting for boot %d (%d so far): %w", n, len(boots), ctx.Err())
		}
	}
}
