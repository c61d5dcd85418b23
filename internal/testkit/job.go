package testkit

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/faultproxy"
	"github.com/vmconn/vmconn/job"
	"github.com/vmconn/vmconn/vmtest"
)

// JobOptions returns options that keep the test's jobs in a temporary
// directory, removed at cleanup after the jobs were reaped.
func JobOptions(t testing.TB) *job.Options {
	t.Helper()
	return &job.Options{Dir: t.TempDir()}
}

// StartJob starts a job and, at cleanup, kills what is left of it on this
// machine (vmtest and the sshd harness run jobs locally; vmtest's Reboot
// does not reach a job, which has a session of its own) and waits for its
// wrapper.
func StartJob(t testing.TB, c *vmconn.Client, command string, opts *job.Options) *job.Job {
	t.Helper()
	j, err := job.Start(Ctx(t), c, command, opts)
	if err != nil {
		t.Fatalf("job.Start(%q): %v", command, err)
	}
	t.Cleanup(func() { ReapJob(t, j.Dir, j.Pid) })
	return j
}

// ReapJob kills the job's process group and waits until its wrapper has
// ended (its lock is free), for at most 5s.
func ReapJob(t testing.TB, dir string, pid int) {
	killGroup(pid)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if !JobLocked(dir) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("job %s: wrapper still running", dir)
}

// JobLocked reports whether the job's wrapper holds its lock.
func JobLocked(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "lock"))
	if err != nil {
		return false
	}
	defer f.Close()
	return lockedByOther(f)
}

// WaitJobFile waits (bounded: 5s) until the job directory holds name.
func WaitJobFile(t testing.TB, dir, name string) {
	t.Helper()
	for range 500 {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("job %s: no %s file", dir, name)
}

// NotifyBuffer is a bytes.Buffer safe for concurrent use that calls Do, once,
// when its content first contains When (set both before the first Write).
type NotifyBuffer struct {
	When string
	Do   func()

	mu   sync.Mutex
	b    bytes.Buffer
	done bool
}

// Write appends p and calls Do if the content now contains When.
func (w *NotifyBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if w.Do != nil && !w.done && bytes.Contains(w.b.Bytes(), []byte(w.When)) {
		w.done = true
		w.Do()
	}
	return len(p), nil
}

// String returns the content.
func (w *NotifyBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// Bytes returns a copy of the content.
func (w *NotifyBuffer) Bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Clone(w.b.Bytes())
}

// Proxied returns Config(srv), with short reconnect backoffs, whose
// connections go through a new fault proxy (closed at cleanup; host keys
// still match srv's address), and the proxy.
func Proxied(t testing.TB, srv *vmtest.Server) (*vmconn.Config, *faultproxy.Proxy) {
	t.Helper()
	p, err := faultproxy.New(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	cfg := Config(srv)
	cfg.ReconnectBackoff, cfg.ReconnectMaxBackoff = 5*time.Millisecond, 50*time.Millisecond
	cfg.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, p.Addr())
	}
	return cfg, p
}

// ScanCmdlines fails the test if the command line of a process on this
// machine holds one of the secrets.
func ScanCmdlines(t testing.TB, secrets ...string) {
	t.Helper()
	files, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	seen := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		seen++
		for _, sec := range secrets {
			if bytes.Contains(b, []byte(sec)) {
				t.Errorf("%s holds a secret: %q", f, bytes.ReplaceAll(b, []byte{0}, []byte{' '}))
			}
		}
	}
	if seen == 0 {
		t.Fatal("no command lines read")
	}
}
