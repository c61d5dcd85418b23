package proc

import (
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"
)

func TestTreeAndSample(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", "sleep 2 & sleep 2; wait")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	s := Sample(cmd.Process.Pid, 10*time.Millisecond)
	time.Sleep(200 * time.Millisecond)
	kids := Descendants(cmd.Process.Pid)
	peak := s.Stop()
	if len(kids) != 2 {
		t.Errorf("descendants of sh: %v, want two sleeps", kids)
	}
	if peak.Procs != 3 || peak.RSS <= 0 || peak.Anon <= 0 || peak.Anon > peak.RSS {
		t.Errorf("peak %+v, want 3 processes and 0 < anon <= rss", peak)
	}
	if n := CountDescendants([]int{os.Getpid()}); n < 3 {
		t.Errorf("CountDescendants(self) = %d, want at least 3", n)
	}
	if slices.Contains(kids, cmd.Process.Pid) {
		t.Error("Descendants includes the root")
	}
}

func TestCPUBusy(t *testing.T) {
	if b := CPUBusy(50 * time.Millisecond); b < 0 || b > 100 {
		t.Errorf("CPUBusy = %v", b)
	}
}
