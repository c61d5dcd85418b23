package job_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/testkit"
)

// waitForPid waits (bounded) until w holds a line with a pid, and returns
// it.
func waitForPid(t *testing.T, w *testkit.NotifyBuffer) int {
	t.Helper()
	for range 200 {
		if s := w.String(); strings.HasSuffix(s, "\n") {
			pid, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil {
				t.Fatalf("bad pid line %q", s)
			}
			return pid
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatal("command did not print its pid")
	return 0
}

// waitGone waits (bounded) until process pid no longer exists.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	for range 100 {
		if processGone(pid) {
			return
		}
		if data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); strings.Contains(string(data), ") Z ") {
			return // a zombie waiting for its parent's reaper is dead
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("process %d still running", pid)
}

// countWriter counts the bytes written to it.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }
