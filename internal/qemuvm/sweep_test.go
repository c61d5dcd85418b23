//go:build linux

package qemuvm

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/testenv"
)

// The stale sweep kills the QEMU of a run whose owner died (here a shell
// whose command line names the run, as QEMU's does) and removes the run;
// it leaves a live owner's run alone.
func TestSweep(t *testing.T) {
	runs := t.TempDir()
	live, err := newRunDir(runs)
	if err != nil {
		t.Fatal(err)
	}
	stale, err := newRunDir(runs)
	if err != nil {
		t.Fatal(err)
	}
	// A pid above the kernel's maximum: an owner that cannot be alive.
	if err := os.WriteFile(filepath.Join(stale, "owner"), []byte("99999999 1"), 0o600); err != nil {
		t.Fatal(err)
	}
	qemu := exec.Command("sh", "-c", "while :; do sleep 0.1; done", "vmconn-qemuvm", stale)
	if err := qemu.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		_ = qemu.Wait()
	}()
	t.Cleanup(func() {
		_ = qemu.Process.Kill()
		<-exited
	})
	pid := []byte(strconv.Itoa(qemu.Process.Pid))
	if err := os.WriteFile(filepath.Join(stale, "qemu.pid"), pid, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(live, "qemu.pid"), pid, 0o600); err != nil {
		t.Fatal(err)
	}
	var cmdline []byte
	testenv.Eventually(t, 10*time.Second, func() bool {
		cmdline, _ = os.ReadFile("/proc/" + string(pid) + "/cmdline")
		return bytes.Contains(cmdline, []byte("vmconn-qemuvm\x00"+stale))
	}, "the stand-in's command line does not name its run")
	sweep(t, runs)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the stale run's process was not killed")
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale run %s not removed: %v", stale, err)
	}
	if _, err := os.Stat(filepath.Join(live, "qemu.pid")); err != nil {
		t.Errorf("live run touched: %v", err)
	}
}
