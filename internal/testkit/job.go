package testkit

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/faultproxy"
	"github.com/vmconn/vmconn/internal/testenv"
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

// JobLocked reports whether the job's wrapper still runs: it holds its
// lock or, for a job of job.MechanismPid, its process runs.
func JobLocked(dir string) bool {
	if m, _ := os.ReadFile(filepath.Join(dir, "mechanism")); strings.TrimSpace(string(m)) == string(job.MechanismPid) {
		return wrapperRuns(dir)
	}
	f, err := os.Open(filepath.Join(dir, "lock"))
	if err != nil {
		return false
	}
	defer f.Close()
	return lockedByOther(f)
}

// WaitJobFile waits (bounded: 30s) until the job directory holds name.
func WaitJobFile(t testing.TB, dir, name string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
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

// wrapperRuns reports whether the process named by the job's wrapper file
// runs, is no zombie, and started when wrapper.start says.
func wrapperRuns(dir string) bool {
	pid, err1 := os.ReadFile(filepath.Join(dir, "wrapper"))
	start, err2 := os.ReadFile(filepath.Join(dir, "wrapper.start"))
	if err1 != nil || err2 != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strings.TrimSpace(string(pid)) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndex(stat, []byte(") "))
	if i < 0 {
		return false
	}
	f := strings.Fields(string(stat[i+2:]))
	return len(f) >= 20 && f[0] != "Z" && f[19] == strings.TrimSpace(string(start))
}

// KillJobWrapper kills (SIGKILL) the job's wrapper, which then records no
// exit status, and waits (bounded: 5s) until it no longer runs.
func KillJobWrapper(t testing.TB, dir string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "wrapper"))
	pid, err2 := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || err2 != nil || pid <= 1 {
		t.Fatalf("job %s: no wrapper pid: %v %v", dir, err, err2)
	}
	kill(pid)
	testenv.Eventually(t, 5*time.Second, func() bool { return !JobLocked(dir) }, "job %s: wrapper %d still runs", dir, pid)
}
