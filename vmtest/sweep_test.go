//go:build unix

package vmtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// TestSweepTemp: the temporary directories of gone processes are
// removed; those of live ones, and other files, stay.
func TestSweepTemp(t *testing.T) {
	t.Parallel()
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	names := map[string]bool{ // name: whether it must stay
		tempPrefix + strconv.Itoa(gone.Process.Pid) + "-123": false,
		tempPrefix + strconv.Itoa(os.Getpid()) + "-456":      true,
		tempPrefix + strconv.Itoa(os.Getppid()) + "-789":     true,
		"vmtest-123456": true, // not ours to judge
		tempPrefix + strconv.Itoa(gone.Process.Pid) + "-x-1": true,
	}
	for name := range names {
		if err := os.MkdirAll(filepath.Join(dir, name, "home"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	sweepTemp(dir)
	for name, stays := range names {
		if _, err := os.Stat(filepath.Join(dir, name)); (err == nil) != stays {
			t.Errorf("%s: stat %v; want it kept: %v", name, err, stays)
		}
	}
}
