package vmhost

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// listener is one run of the sshd listener, started by nsenter inside a
// boot's namespaces.
type listener struct {
	cmd  *exec.Cmd     // nsenter; sshd is its only child
	pid  int           // sshd's pid in the test's PID namespace; 0 until known
	done chan struct{} // closed once nsenter has been waited for (sshd has exited)
}

// SSHDRestart says how RestartSSHD restarts sshd.
type SSHDRestart struct {
	// KillConnections also kills the sshd processes of the open
	// connections, as a crash of sshd or "pkill sshd" would; the commands
	// they ran live on. Without it open connections go on, as with
	// "systemctl restart ssh".
	KillConnections bool

	// Downtime is how long no sshd listens. Zero means none.
	Downtime time.Duration
}

// RestartSSHD stops sshd's listener and starts it again, without a
// reboot: the boot id stays. It returns once the new listener answers,
// with the time it first accepted a connection from the client namespace
// (polled every 5ms): the moment "sshd accepts again".
func (h *Host) RestartSSHD(r SSHDRestart) (time.Time, error) {
	h.life.Lock()
	defer h.life.Unlock()
	b, err := h.running()
	if err != nil {
		return time.Time{}, err
	}
	if err := h.stopSSHDLocked(b); err != nil {
		return time.Time{}, err
	}
	if r.KillConnections {
		if err := h.killConnectionsLocked(b); err != nil {
			return time.Time{}, err
		}
	}
	select {
	case <-time.After(r.Downtime):
	case <-h.stop:
		return time.Time{}, errors.New("vmhost: restart sshd: the test is over")
	}
	at, err := h.startSSHDLocked(b)
	if err != nil {
		return time.Time{}, fmt.Errorf("vmhost: restart sshd: %w", err)
	}
	return at, nil
}

// StopSSHD stops sshd's listener (SIGTERM, SIGKILL after 2s): new
// connections are refused, open ones go on.
func (h *Host) StopSSHD() error {
	h.life.Lock()
	defer h.life.Unlock()
	b, err := h.running()
	if err != nil {
		return err
	}
	return h.stopSSHDLocked(b)
}

// StartSSHD starts sshd's listener after StopSSHD, returning once it
// answers, with the time it first accepted a connection.
func (h *Host) StartSSHD() (time.Time, error) {
	h.life.Lock()
	defer h.life.Unlock()
	b, err := h.running()
	if err != nil {
		return time.Time{}, err
	}
	if b.sshd != nil {
		return time.Time{}, errors.New("vmhost: start sshd: sshd is running")
	}
	at, err := h.startSSHDLocked(b)
	if err != nil {
		return time.Time{}, fmt.Errorf("vmhost: start sshd: %w", err)
	}
	return at, nil
}

// KillConnections kills (SIGKILL) the sshd processes of every open
// connection, not the listener: clients see their connections end and
// can connect again. The commands of those connections are not killed.
func (h *Host) KillConnections() error {
	h.life.Lock()
	defer h.life.Unlock()
	b, err := h.running()
	if err != nil {
		return err
	}
	return h.killConnectionsLocked(b)
}

// running returns the running boot. The caller holds h.life.
func (h *Host) running() (*boot, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cur == nil {
		return nil, errors.New("vmhost: the machine is down")
	}
	return h.cur, nil
}

// startSSHDLocked starts the listener in b's namespaces, checks that it
// runs in b's PID namespace, and waits until it accepts connections.
func (h *Host) startSSHDLocked(b *boot) (time.Time, error) {
	l, err := h.launchSSHD(b)
	if err != nil {
		return time.Time{}, err
	}
	b.sshd = l
	at, err := h.waitAccepting(b, l)
	if err != nil {
		b.sshd = nil
		_, _ = signalIf(l.pid, syscall.SIGKILL, l.isSSHD(b))
		_ = l.cmd.Process.Kill()
		l.wait()
		return time.Time{}, err
	}
	return at, nil
}

// launchSSHD starts sshd with nsenter in b's PID, mount and network
// namespaces, passed as open files (not as a pid that could be reused),
// and checks where sshd runs before anything can connect to it.
func (h *Host) launchSSHD(b *boot) (*listener, error) {
	log, err := os.OpenFile(h.path("nsenter.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	ns, err := b.namespaceFiles()
	if err != nil {
		return nil, err
	}
	defer closeAll(ns)
	cmd := exec.Command(tools().nsenter, "--pid=/proc/self/fd/3", "--mount=/proc/self/fd/4", "--net=/proc/self/fd/5", "--",
		tools().sshd, "-D", "-E", h.path("sshd.log"), "-f", h.path("sshd_config"))
	cmd.Stdout, cmd.Stderr, cmd.ExtraFiles = log, log, ns
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting sshd: %w", err)
	}
	l := &listener{cmd: cmd, done: make(chan struct{})}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		_ = cmd.Wait()
		close(l.done)
	}()
	sshd, err := childOf(cmd.Process.Pid, l.done)
	if err == nil && sshd.pidNS != b.pidNS {
		err = fmt.Errorf("refusing to go on: sshd (%d) runs in PID namespace %s, not the machine's %s", sshd.pid, sshd.pidNS, b.pidNS)
	}
	if err != nil {
		_, _ = signalIf(sshd.pid, syscall.SIGKILL, func(p proc) bool { return p.ppid == cmd.Process.Pid })
		_ = cmd.Process.Kill()
		l.wait()
		return nil, fmt.Errorf("starting sshd: %w\n%s", err, lastLines(readFile(log.Name()), 5))
	}
	l.pid = sshd.pid
	return l, nil
}

// isSSHD checks that a process is this listener: nsenter's child in b's
// PID namespace.
func (l *listener) isSSHD(b *boot) func(proc) bool {
	return func(p proc) bool { return p.ppid == l.cmd.Process.Pid && p.pidNS == b.pidNS }
}

// waitAccepting polls sshd from the client namespace until it answers
// with an SSH banner, and returns when it first accepted.
func (h *Host) waitAccepting(b *boot, l *listener) (time.Time, error) {
	deadline := time.Now().Add(waitTimeout)
	for {
		if at, ok := h.bannerOK(); ok {
			return at, nil
		}
		select {
		case <-l.done:
			return time.Time{}, fmt.Errorf("sshd exited before accepting connections: %v", l.cmd.ProcessState)
		case <-b.done:
			return time.Time{}, errors.New("the machine died while sshd started")
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("sshd does not answer on %s after %v", h.Addr, waitTimeout)
		}
	}
}

// bannerOK reports whether sshd sends its banner to the client namespace,
// and when the TCP connection was made.
func (h *Host) bannerOK() (time.Time, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c, err := h.Dial(ctx, "tcp", h.Addr)
	if err != nil {
		return time.Time{}, false
	}
	at := time.Now()
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 8)
	n, _ := io.ReadFull(c, buf)
	return at, string(buf[:n]) == "SSH-2.0-"
}

// stopSSHDLocked stops b's listener: SIGTERM, then SIGKILL after 2s.
func (h *Host) stopSSHDLocked(b *boot) error {
	l := b.sshd
	if l == nil {
		return nil
	}
	b.sshd = nil
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		select {
		case <-l.done:
			return nil
		default:
		}
		if _, err := signalIf(l.pid, sig, l.isSSHD(b)); err != nil {
			return fmt.Errorf("vmhost: stopping sshd: %w", err)
		}
		select {
		case <-l.done:
			return nil
		case <-time.After(2 * time.Second):
		}
	}
	return fmt.Errorf("vmhost: sshd (%d) survives SIGKILL", l.pid)
}

// killConnectionsLocked kills the sshd processes of b other than the
// listener, again and again (one may fork meanwhile) for at most 5s.
func (h *Host) killConnectionsLocked(b *boot) error {
	listener := 0
	if b.sshd != nil {
		listener = b.sshd.pid
	}
	connection := func(p proc) bool {
		return p.pidNS == b.pidNS && strings.HasPrefix(p.comm, "sshd") && p.pid != listener
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var left []proc
		for _, p := range allProcs() {
			if connection(p) {
				left = append(left, p)
			}
		}
		switch {
		case len(left) == 0:
			return nil
		case !b.alive():
			return errors.New("vmhost: the machine is down") // its namespace id may be reused
		case time.Now().After(deadline):
			return fmt.Errorf("vmhost: sshd processes survive SIGKILL: %v", left)
		}
		for _, p := range left {
			if _, err := signalIf(p.pid, syscall.SIGKILL, connection); err != nil {
				return fmt.Errorf("vmhost: %w", err)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// wait waits for the listener's nsenter to exit (its sshd was killed).
func (l *listener) wait() {
	select {
	case <-l.done:
	case <-time.After(waitTimeout):
	}
}
