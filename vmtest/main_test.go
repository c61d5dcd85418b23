package vmtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/testenv"
	"go.uber.org/goleak"
	"golang.org/x/crypto/ssh"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newTestServer starts a server that the test closes when it ends.
func newTestServer(t *testing.T, o Options) *Server {
	t.Helper()
	requireSupported(t)
	s := NewServerOptions(o)
	t.Cleanup(s.Close)
	return s
}

// clientConfig returns a config that authenticates with s's client key.
func clientConfig(s *Server) *ssh.ClientConfig {
	return &ssh.ClientConfig{
		User:            s.User(),
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(s.ClientSigner())},
		HostKeyCallback: ssh.FixedHostKey(s.HostKey()),
		Timeout:         5 * time.Second,
	}
}

// dial connects to s; the test closes the client when it ends.
func dial(t *testing.T, s *Server) *ssh.Client {
	t.Helper()
	c, err := ssh.Dial("tcp", s.Addr(), clientConfig(s))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// run runs cmd in a new session of c with stdin, and returns its output.
func run(t *testing.T, c *ssh.Client, cmd, stdin string) (stdout, stderr string, err error) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	defer sess.Close()
	var out, errOut bytes.Buffer
	sess.Stdin = strings.NewReader(stdin)
	sess.Stdout, sess.Stderr = &out, &errOut
	err = sess.Run(cmd)
	return out.String(), errOut.String(), err
}

// mustRun runs cmd and fails the test unless it exits with status 0.
func mustRun(t *testing.T, c *ssh.Client, cmd string) string {
	t.Helper()
	out, errOut, err := run(t, c, cmd, "")
	if err != nil {
		t.Fatalf("%q: %v (stderr %q)", cmd, err, errOut)
	}
	return out
}

// started is a command started in its own session, with its stdout lines.
type started struct {
	sess  *ssh.Session
	lines *bufio.Scanner
}

// startCmd starts cmd in a new session of c.
func startCmd(t *testing.T, c *ssh.Client, cmd string) *started {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	t.Cleanup(func() { sess.Close() })
	out, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Start(cmd); err != nil {
		t.Fatalf("start %q: %v", cmd, err)
	}
	return &started{sess: sess, lines: newScanner(out)}
}

// newScanner returns a line scanner of r.
func newScanner(r io.Reader) *bufio.Scanner {
	return bufio.NewScanner(r)
}

// line reads the next line of output.
func (st *started) line(t *testing.T) string {
	t.Helper()
	if !st.lines.Scan() {
		t.Fatalf("no line of output: %v", st.lines.Err())
	}
	return st.lines.Text()
}

// pid reads the next line of output as a process id.
func (st *started) pid(t *testing.T) int {
	t.Helper()
	line := st.line(t)
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("want a pid, got %q", line)
	}
	return pid
}

// waitResult waits for the command to end, at most 10s.
func (st *started) waitResult(t *testing.T) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- st.sess.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		st.sess.Close()
		<-done
		t.Fatal("command did not end")
		return nil
	}
}

// procStat returns the fields of /proc/PID/stat after the command name:
// state, ppid, pgrp, ... Without /proc (macOS, FreeBSD) it asks ps for
// the first three.
func procStat(pid int) ([]string, bool) {
	if runtime.GOOS != "linux" {
		return psStat(pid)
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, false
	}
	s := string(b)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+1:]), true
}

// processAlive reports whether pid is a live process (not a zombie).
func processAlive(pid int) bool {
	f, ok := procStat(pid)
	return ok && f[0] != "Z" && f[0] != "X"
}

// waitGone waits until pid is no longer alive, at most 5s.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	testenv.Eventually(t, 5*time.Second, func() bool { return !processAlive(pid) }, "process %d still alive", pid)
}

// exitError returns err as an *ssh.ExitError, or fails the test.
func exitError(t *testing.T, err error) *ssh.ExitError {
	t.Helper()
	var ee *ssh.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("want *ssh.ExitError, got %T %v", err, err)
	}
	return ee
}
