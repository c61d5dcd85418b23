package sshd_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/sshd"
	"github.com/vmconn/vmconn/internal/testenv"
	"golang.org/x/crypto/ssh"
)

// options returns Options for an sshd on a free loopback port with a
// fresh host key in a temporary directory.
func options(t *testing.T) sshd.Options {
	t.Helper()
	_, err := sshd.Path()
	testenv.Require(t, err == nil, fmt.Sprint(err))
	dir := t.TempDir()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "host_key")
	if err := os.WriteFile(key, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return sshd.Options{
		Config:     sshd.Config{Port: port, HostKeys: []string{key}},
		ConfigFile: filepath.Join(dir, "sshd_config"),
		LogFile:    filepath.Join(dir, "sshd.log"),
	}
}

func ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func comm(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}

// Start returns once sshd answers; Stop ends it; its connections are
// refused then.
func TestStartStop(t *testing.T) {
	t.Parallel()
	o := options(t)
	var checked int
	o.Check = func(pid int) error { checked = pid; return nil }
	d, err := sshd.Start(ctx(t), o)
	if err != nil {
		t.Fatal(err)
	}
	if checked != d.Pid() || d.Pid() != d.CommandPid() || !strings.HasPrefix(comm(d.Pid()), "sshd") {
		t.Errorf("Check got %d; Pid %d (%s), CommandPid %d", checked, d.Pid(), comm(d.Pid()), d.CommandPid())
	}
	if d.Accepted().IsZero() {
		t.Error("Accepted is zero")
	}
	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", fmt.Sprint(o.Config.Port)))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := d.Stop(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	select {
	case <-d.Done():
	default:
		t.Fatal("Done not closed after Stop")
	}
	if err := d.Signal(syscall.SIGTERM); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("Signal after Stop = %v; want os.ErrProcessDone", err)
	}
}

// With Forks, sshd is the prefix's child: Pid is sshd's, and Stop
// signals sshd, not the prefix (which would not pass the signal on).
func TestStartForks(t *testing.T) {
	t.Parallel()
	o := options(t)
	// sh forks sshd, waits for it, and ignores SIGTERM itself.
	o.Prefix = []string{"/bin/sh", "-c", `trap '' TERM; "$@"; exit $?`, "sh"}
	o.Forks = true
	d, err := sshd.Start(ctx(t), o)
	if err != nil {
		t.Fatal(err)
	}
	if d.Pid() == d.CommandPid() || !strings.HasPrefix(comm(d.Pid()), "sshd") || comm(d.CommandPid()) != "sh" {
		t.Errorf("Pid %d (%s), CommandPid %d (%s)", d.Pid(), comm(d.Pid()), d.CommandPid(), comm(d.CommandPid()))
	}
	if err := d.Stop(2 * time.Second); err != nil {
		t.Fatal(err)
	}
}

// A Check error kills sshd before anything connects; a config sshd
// rejects is ErrExited with sshd's complaint in Output.
func TestStartFails(t *testing.T) {
	t.Parallel()
	o := options(t)
	o.Check = func(int) error { return errors.New("wrong namespace") }
	if _, err := sshd.Start(ctx(t), o); err == nil || !strings.Contains(err.Error(), "wrong namespace") {
		t.Errorf("Start with a failing Check = %v", err)
	}
	o = options(t)
	o.Config.Lines = []string{"NoSuchKeyword yes"}
	o.LogFile = ""
	var out syncBuffer
	o.Output = &out
	if _, err := sshd.Start(ctx(t), o); !errors.Is(err, sshd.ErrExited) || !strings.Contains(out.String(), "NoSuchKeyword") {
		t.Errorf("Start with a bad config = %v; output %q", err, out.String())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
