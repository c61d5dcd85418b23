//go:build linux || darwin || freebsd

package control_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/control"
	"github.com/vmconn/vmconn/internal/testenv"
	"github.com/vmconn/vmconn/internal/testkit"
)

// TestRun runs commands through a master's Run, several at once: output,
// stderr, stdin (more than the unacknowledged window), exit status and
// signal come through, on the master's one connection.
func TestRun(t *testing.T) {
	s := startShared(t, 0)
	big := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB: many windows of stdin
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out, errOut bytes.Buffer
			r := &control.Run{Command: `wc -c; echo err >&2; exit 3`, Stdin: bytes.NewReader(big), Stdout: &out, Stderr: &errOut}
			err := r.Run(testkit.Ctx(t), s.path, s.key)
			var ee *vmconn.ExitError
			if !errors.As(err, &ee) || ee.Status != 3 {
				t.Errorf("run %d: err = %v, want exit status 3", i, err)
			}
			if strings.TrimSpace(out.String()) != strconv.Itoa(len(big)) || errOut.String() != "err\n" {
				t.Errorf("run %d: stdout %q stderr %q", i, out.String(), errOut.String())
			}
		}()
	}
	wg.Wait()
	err := (&control.Run{Command: "kill -TERM $$"}).Run(testkit.Ctx(t), s.path, s.key)
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Signal != "TERM" {
		t.Errorf("signalled command: err = %v, want signal TERM", err)
	}
	var out bytes.Buffer
	if err := (&control.Run{Command: "echo ok", Stdout: &out}).Run(testkit.Ctx(t), s.path, s.key); err != nil || out.String() != "ok\n" {
		t.Errorf("exit 0: %v, %q", err, out.String())
	}
	out.Reset()
	long := ": " + strings.Repeat("x", 100<<10) + "; echo long"
	if err := (&control.Run{Command: long, Stdout: &out}).Run(testkit.Ctx(t), s.path, s.key); err != nil || out.String() != "long\n" {
		t.Errorf("100 KiB command: %v, %q", err, out.String())
	}
	if n := s.dials.Load(); n != 1 {
		t.Errorf("master dialed the machine %d times, want 1", n)
	}
}

// TestRunStreams: output arrives while the command runs, and a
// cancelled Run returns once the master has stopped the command.
func TestRunStreams(t *testing.T) {
	s := startShared(t, 0)
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	ctx, cancel := context.WithCancel(testkit.Ctx(t))
	out := &syncBuffer{}
	done := make(chan error, 1)
	r := &control.Run{Command: "echo $$ > " + pidFile + "; echo first; exec sleep 30", Stdout: out}
	go func() { done <- r.Run(ctx, s.path, s.key) }()
	testenv.Eventually(t, 15*time.Second, func() bool { return out.String() == "first\n" }, "first line while the command runs")
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled Run: %v, want context.Canceled", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("cancelled Run did not return")
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if pid <= 1 {
		t.Fatalf("pid file holds %q", b)
	}
	if !gone(pid) {
		t.Errorf("command (pid %d) still running after the cancelled Run returned", pid)
	}
}

// gone reports whether pid has ended: no such process, or a zombie.
func gone(pid int) bool {
	if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
		return true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false // not Linux: kill -0 said it is there
	}
	i := bytes.LastIndexByte(b, ')')
	return i > 0 && i+2 < len(b) && b[i+2] == 'Z'
}

// TestRunLinkLost drops the machine's connection while a command
// streams: Run reports the connection lost, and the next Run goes
// through the master's new connection.
func TestRunLinkLost(t *testing.T) {
	s := startShared(t, 0)
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- (&control.Run{Command: "echo started; sleep 30", Stdout: out}).Run(testkit.Ctx(t), s.path, s.key)
	}()
	testenv.Eventually(t, 10*time.Second, func() bool { return strings.Contains(out.String(), "started") }, "command started")
	s.srv.DropConnections()
	if err := <-done; !errors.Is(err, vmconn.ErrConnLost) {
		t.Fatalf("err = %v, want ErrConnLost", err)
	}
	var again bytes.Buffer
	if err := (&control.Run{Command: "echo again", Stdout: &again}).Run(testkit.Ctx(t), s.path, s.key); err != nil || again.String() != "again\n" {
		t.Fatalf("after the loss: %q, %v", again.String(), err)
	}
}

// TestRunBootID: a Run with the machine's boot id runs; with another,
// nothing runs and the error is a RebootError with both ids.
func TestRunBootID(t *testing.T) {
	s := startShared(t, 0)
	id := s.srv.BootID()
	var out bytes.Buffer
	if err := (&control.Run{Command: "echo same", BootID: id, Stdout: &out}).Run(testkit.Ctx(t), s.path, s.key); err != nil || out.String() != "same\n" {
		t.Fatalf("same boot id: %v, %q", err, out.String())
	}
	old := "00000000-0000-4000-8000-000000000000"
	out.Reset()
	err := (&control.Run{Command: "echo ran", BootID: old, Stdout: &out}).Run(testkit.Ctx(t), s.path, s.key)
	var re *vmconn.RebootError
	if !errors.As(err, &re) || re.OldBootID != old || re.NewBootID != id {
		t.Fatalf("other boot id: %v, want a RebootError %s -> %s", err, old, id)
	}
	if out.Len() != 0 {
		t.Errorf("the command ran: %q", out.String())
	}
}

// TestRunRefusals: another key is ErrMismatch; a master that does not
// know Run (it closes on the greeting) is ErrProtocol; no socket is
// ErrNoMaster. Nothing of Stdin is read in any of them.
func TestRunRefusals(t *testing.T) {
	s := startShared(t, 0)
	in := strings.NewReader("keep")
	r := &control.Run{Command: "true", Stdin: in}
	if err := r.Run(testkit.Ctx(t), s.path, control.Key("other")); !errors.Is(err, control.ErrMismatch) {
		t.Errorf("other key: %v, want ErrMismatch", err)
	}
	// A request larger than the socket's buffers: the master answers and
	// closes without reading it, so the write fails; the answer still counts.
	long := &control.Run{Command: "true #" + strings.Repeat("x", 120<<10), Stdin: in}
	if err := long.Run(testkit.Ctx(t), s.path, control.Key("other")); !errors.Is(err, control.ErrMismatch) {
		t.Errorf("other key, 120 KiB command: %v, want ErrMismatch", err)
	}
	tooLong := &control.Run{Command: "true", BootID: strings.Repeat("b", 256)}
	if err := tooLong.Run(testkit.Ctx(t), s.path, s.key); !errors.Is(err, vmconn.ErrConfig) {
		t.Errorf("boot id of 256 bytes: %v, want ErrConfig", err)
	}
	old := filepath.Join(privateDir(t), "old")
	ln, err := net.Listen("unix", old)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Read(make([]byte, 512))
			c.Close()
		}
	}()
	if err := r.Run(testkit.Ctx(t), old, s.key); !errors.Is(err, control.ErrProtocol) {
		t.Errorf("older master: %v, want ErrProtocol", err)
	}
	if err := long.Run(testkit.Ctx(t), old, s.key); !errors.Is(err, control.ErrProtocol) {
		t.Errorf("older master, 120 KiB command: %v, want ErrProtocol", err)
	}
	if err := r.Run(testkit.Ctx(t), filepath.Join(filepath.Dir(old), "none"), s.key); !errors.Is(err, control.ErrNoMaster) {
		t.Errorf("no socket: %v, want ErrNoMaster", err)
	}
	if in.Len() != 4 {
		t.Errorf("stdin read by a refused Run: %d bytes left, want 4", in.Len())
	}
}
