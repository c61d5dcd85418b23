package vmconn_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
)

// jobOpts returns options that keep the test's jobs in a temporary
// directory, removed at cleanup after the jobs were killed.
func jobOpts(t *testing.T) *vmconn.JobOptions {
	t.Helper()
	return &vmconn.JobOptions{Dir: t.TempDir()}
}

// startJob starts a job and, at cleanup, kills what is left of it on
// this machine (vmtest runs jobs locally; its Reboot does not reach a
// job, which has a session of its own) and waits for its wrapper.
func startJob(t *testing.T, c *vmconn.Client, command string, opts *vmconn.JobOptions) *vmconn.Job {
	t.Helper()
	j, err := c.StartJob(testCtx(t), command, opts)
	if err != nil {
		t.Fatalf("StartJob(%q): %v", command, err)
	}
	t.Cleanup(func() { reapJob(t, j.Dir, j.Pid) })
	return j
}

// reapJob kills the job's process group and waits until its wrapper has
// ended (its lock is free), for at most 5s.
func reapJob(t *testing.T, dir string, pid int) {
	syscall.Kill(-pid, syscall.SIGKILL)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if !jobLocked(dir) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("job %s: wrapper still running", dir)
}

// jobLocked reports whether the job's wrapper holds its lock.
func jobLocked(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "lock"))
	if err != nil {
		return false
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if err == nil {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	}
	return errors.Is(err, syscall.EWOULDBLOCK)
}

// waitJobFile waits (bounded) until the job directory holds name.
func waitJobFile(t *testing.T, dir, name string) {
	t.Helper()
	for range 500 {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("job %s: no %s file", dir, name)
}

// jobBuf is a bytes.Buffer safe for concurrent use that can call a
// function, once, when its content first contains a string.
type jobBuf struct {
	mu   sync.Mutex
	b    bytes.Buffer
	when string
	do   func()
	done bool
}

func (w *jobBuf) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if w.do != nil && !w.done && bytes.Contains(w.b.Bytes(), []byte(w.when)) {
		w.done = true
		w.do()
	}
	return len(p), nil
}

func (w *jobBuf) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func (w *jobBuf) Bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Clone(w.b.Bytes())
}
