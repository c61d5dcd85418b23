package sshd_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn/bench/internal/sshd"
	launcher "github.com/vmconn/vmconn/internal/sshd"
	"github.com/vmconn/vmconn/internal/testenv"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// startFarm starts a farm with one server, closed when the test ends;
// ctx bounds the test at 30 s.
func startFarm(t *testing.T) (context.Context, *sshd.Farm, *sshd.Server) {
	t.Helper()
	_, err := launcher.Path()
	testenv.Require(t, err == nil, fmt.Sprint(err))
	testenv.RequireCommand(t, "ssh-keygen")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	f, err := sshd.Start(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	s, err := f.Add(ctx, "MaxAuthTries 3")
	if err != nil {
		t.Fatal(err)
	}
	return ctx, f, s
}

// A farm's server accepts the farm's client key, checked against the
// farm's known_hosts, runs commands with the rc files hidden (as root),
// and Close ends it.
func TestFarm(t *testing.T) {
	_, f, s := startFarm(t)
	out := run(t, f, s, "echo $0 ok")
	if !strings.HasSuffix(strings.TrimSpace(out), "ok") {
		t.Errorf("output %q", out)
	}
	if cfg, _ := os.ReadFile(fmt.Sprintf("%s/sshd_config.%d", f.Dir, s.Port)); !strings.Contains(string(cfg), "MaxAuthTries 3\nLoginGraceTime 300\n") {
		t.Errorf("extra line not first:\n%s", cfg)
	}
	f.Close()
	if _, err := ssh.Dial("tcp", s.Addr(), &ssh.ClientConfig{HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: time.Second}); err == nil {
		t.Error("server still answers after Close")
	}
}

func run(t *testing.T, f *sshd.Farm, s *sshd.Server, command string) string {
	t.Helper()
	key, err := os.ReadFile(f.ClientKey)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	hk, err := knownhosts.New(f.KnownHosts)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ssh.Dial("tcp", s.Addr(), &ssh.ClientConfig{User: f.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: hk, Timeout: 10 * time.Second})
	if err != nil {
		log, _ := os.ReadFile(s.LogFile())
		t.Fatalf("dial: %v\n%s", err, log)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	out, err := sess.CombinedOutput(command)
	if err != nil {
		t.Fatalf("%s: %v: %s", command, err, out)
	}
	return string(out)
}

// A stopped server refuses connections; Relaunch starts it again on the
// same port, with its extra lines, and dates its first accept.
func TestRelaunch(t *testing.T) {
	ctx, f, s := startFarm(t)
	first := s.Accepted()
	s.Stop()
	if c, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		c.Close()
		t.Fatal("a stopped server accepts connections")
	}
	stopped := time.Now()
	if err := f.Relaunch(ctx, s); err != nil {
		t.Fatal(err)
	}
	if !s.Accepted().After(stopped) || !first.Before(stopped) {
		t.Errorf("accepted at %v, then %v; stopped at %v", first, s.Accepted(), stopped)
	}
	if out := run(t, f, s, "echo ok"); strings.TrimSpace(out) != "ok" {
		t.Errorf("output %q", out)
	}
	if cfg, _ := os.ReadFile(fmt.Sprintf("%s/sshd_config.%d", f.Dir, s.Port)); !strings.Contains(string(cfg), "MaxAuthTries 3\n") {
		t.Errorf("extra line lost:\n%s", cfg)
	}
}
