package sshdtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/sshd"
)

// startTimeout bounds Start and Restart, key generation included.
const startTimeout = 30 * time.Second

// start runs sshd on port, or on a free port when port is 0, and returns the
// port. It tries again, up to three times in all, when sshd could not bind.
// The caller holds s.mu or is Start.
func (s *Server) start(ctx context.Context, port int) (int, error) {
	var err error
	for range 3 {
		p := port
		if p == 0 {
			if p, err = freePort(); err != nil {
				return 0, err
			}
		}
		logged := fileSize(s.launch.logFile)
		if err = s.startOn(ctx, p); err == nil {
			return p, nil
		}
		if !errors.Is(err, sshd.ErrExited) || !strings.Contains(readFrom(s.launch.logFile, logged), "Address already in use") {
			return 0, err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return 0, err
}

// startOn writes the config for port and starts the listener.
func (s *Server) startOn(ctx context.Context, port int) error {
	cfg := sshdConfig{
		port:           port,
		hostKeys:       s.hostKeyFiles,
		authorizedKeys: s.path("authorized_keys"),
		pidFile:        s.path("sshd.pid"),
		passwordUser:   s.passwordUser,
		opts:           s.opts,
	}
	d, err := startDaemon(ctx, s.launch, cfg)
	if err != nil {
		return err
	}
	ns := ""
	if s.launch.namespace {
		ns, err = d.namespace()
	}
	if err == nil {
		err = recordDaemon(s.Dir, d.id, ns)
	}
	if err != nil {
		d.stop()
		return err
	}
	s.procs.addDaemon(d.id, ns)
	s.d = d
	return nil
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("sshdtest: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Stop stops the listener: SIGTERM, then SIGKILL after 2s. Open
// connections and their commands go on, as with OpenSSH's own sshd; new
// connections are refused. Stop does nothing when sshd is stopped.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
}

func (s *Server) stopLocked() {
	if s.d != nil {
		s.procs.members() // remember the connections: they become orphans
		s.d.stop()
		s.d = nil
	}
}

// Restart stops the listener as Stop does and starts it again on the same
// port, like "systemctl restart ssh": open connections survive.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		t.Fatalf("sshdtest: Restart after cleanup")
	}
	s.stopLocked()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if _, err := s.start(ctx, s.Port); err != nil {
		t.Fatalf("%v (restarting on port %d)\n%s", err, s.Port, s.Logs())
	}
}

// KillConnections kills (SIGKILL) the sshd process of every open
// connection, including those of a listener stopped earlier, but not the
// listener: clients see their connections end and can dial again. The
// commands of those connections are not killed, as when a real sshd dies;
// cleanup kills them.
func (s *Server) KillConnections(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var listener procID
	if s.d != nil {
		listener = s.d.id
	}
	err := s.procs.kill(func(p procInfo) bool { return isSSHD(p) && p.procID != listener })
	if err != nil {
		t.Fatalf("%v", err)
	}
}

// KillAll kills every process of the server: the listener, the
// connections and the commands run over them. As root that includes
// commands that daemonised themselves; as another user it includes only
// those whose parent was alive when the harness last looked. Start's
// cleanup calls it.
func (s *Server) KillAll(t testing.TB) {
	t.Helper()
	if err := s.killAll(); err != nil {
		t.Fatalf("%v", err)
	}
}

func (s *Server) killAll() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var listener procID
	if s.d != nil {
		listener = s.d.id
	}
	// Connections first, while the listener is there to reap them.
	err := s.procs.kill(func(p procInfo) bool { return p.procID != listener })
	if s.d != nil {
		s.d.Kill()
		s.d = nil
	}
	return errors.Join(err, s.procs.kill(func(procInfo) bool { return true }))
}

// cleanup ends everything Start made; Start registers it with t.Cleanup.
func (s *Server) cleanup(t testing.TB) {
	if t.Failed() {
		t.Logf("sshdtest: logs of sshd on %s (%s):\n%s", s.Addr, s.Dir, lastLines(s.Logs(), 60))
	}
	if err := s.killAll(); err != nil {
		t.Errorf("%v", err)
	}
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	if s.passwordUser != "" {
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		defer cancel()
		if err := deleteUser(ctx, s.passwordUser); err != nil {
			t.Errorf("%v", err)
		}
	}
	if err := os.RemoveAll(s.Dir); err != nil {
		t.Errorf("sshdtest: %v", err)
	}
}
