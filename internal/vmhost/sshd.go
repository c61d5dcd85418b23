//go:build linux

package vmhost

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/vmconn/vmconn/internal/dropbear"
	"github.com/vmconn/vmconn/internal/sshd"
)

// listener is one run of the sshd listener, started by nsenter inside a
// boot's namespaces: sshd is nsenter's only child.
type listener struct {
	*sshd.Daemon
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

// startSSHDLocked starts the listener in b's namespaces and waits until
// it accepts connections from the client namespace (polled every 5ms),
// returning when it first accepted: the moment "sshd accepts again".
func (h *Host) startSSHDLocked(b *boot) (time.Time, error) {
	l, err := h.launchSSHD(b)
	if err != nil {
		return time.Time{}, err
	}
	b.sshd = l
	return l.Accepted(), nil
}

// launchSSHD starts sshd with nsenter in b's PID, mount and network
// namespaces, passed as open files (not as a pid that could be reused),
// checks that sshd runs in b's PID namespace before anything can connect
// to it, and waits until it answers.
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
	ctx, cancel := h.untilDown(b, fmt.Errorf("sshd does not answer on %s after %v", h.Addr, waitTimeout))
	defer cancel()
	o := sshd.Options{
		Config: sshdConfig(h.Dir, h.envPATH), ConfigFile: h.path("sshd_config"), LogFile: h.path("sshd.log"), Output: log,
		Prefix:     []string{tools().nsenter, "--pid=/proc/self/fd/3", "--mount=/proc/self/fd/4", "--net=/proc/self/fd/5", "--"},
		Forks:      true,
		ExtraFiles: ns,
		// Not its own process group: the harness signals sshd alone.
		SysProcAttr: &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
		Check:       func(pid int) error { return checkSSHD(pid, b) },
		Dial:        h.Dial, Addr: h.Addr, Poll: 5 * time.Millisecond,
	}
	var d *sshd.Daemon
	if h.server == Dropbear {
		// dropbear logs to its stderr: the command's output is sshd.log.
		o.Output, err = os.OpenFile(h.path("sshd.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, err
		}
		defer o.Output.(*os.File).Close()
		d, err = dropbear.Start(ctx, dropbear.Config{Port: 22, HostKeyFile: h.path(hostKeyFile)}, o)
	} else {
		d, err = sshd.Start(ctx, o)
	}
	if err != nil {
		return nil, fmt.Errorf("starting sshd: %w\n%s", err, lastLines(readFile(log.Name()), 5))
	}
	h.wg.Add(1) // the listener's waiter, joined at cleanup
	go func() { defer h.wg.Done(); <-d.Done() }()
	return &listener{d}, nil
}

// checkSSHD refuses an sshd that does not run in b's PID namespace.
func checkSSHD(pid int, b *boot) error {
	p, err := readProc(pid)
	if err == nil && p.pidNS != b.pidNS {
		err = fmt.Errorf("refusing to go on: sshd (%d) runs in PID namespace %s, not the machine's %s", pid, p.pidNS, b.pidNS)
	}
	return err
}

// untilDown returns a context that ends after waitTimeout (with cause) or
// when b's PID 1 dies, whichever comes first. cancel joins its watcher.
func (h *Host) untilDown(b *boot, cause error) (context.Context, func()) {
	ctx, cancel := context.WithTimeoutCause(context.Background(), waitTimeout, cause)
	ctx, cancelDown := context.WithCancelCause(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-b.done:
			cancelDown(errors.New("the machine died while sshd started"))
		case <-ctx.Done():
		}
	}()
	return ctx, func() { cancelDown(nil); cancel(); <-watched }
}

// stopSSHDLocked stops b's listener: SIGTERM, then SIGKILL after 2s.
func (h *Host) stopSSHDLocked(b *boot) error {
	l := b.sshd
	if l == nil {
		return nil
	}
	b.sshd = nil
	if err := l.Stop(2 * time.Second); err != nil {
		return fmt.Errorf("vmhost: stopping sshd: %w", err)
	}
	return nil
}

// killConnectionsLocked kills the sshd processes of b other than the
// listener, again and again (one may fork meanwhile) for at most 5s.
func (h *Host) killConnectionsLocked(b *boot) error {
	listener := 0
	if b.sshd != nil {
		listener = b.sshd.Pid()
	}
	connection := func(p proc) bool {
		return p.pidNS == b.pidNS && (strings.HasPrefix(p.comm, "sshd") || p.comm == "dropbear") && p.pid != listener
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
	case <-l.Done():
	case <-time.After(waitTimeout):
	}
}
