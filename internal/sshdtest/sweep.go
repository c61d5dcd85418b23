package sshdtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// A test process that dies without running its cleanups (a test timeout,
// a crash, SIGKILL) leaves its servers' directories and processes behind.
// The next Start in any test process removes them: each directory names its
// owner, and its listeners and their mount namespaces (as root).

const (
	dirPattern  = "vmconn-sshd-*"
	ownerFile   = "owner"   // "PID START" of the test process
	daemonsFile = "daemons" // "PID START NAMESPACE" a line, NAMESPACE "-" for none
	markerFile  = "namespace-marker"
)

// writeOwner records the test process that owns dir.
func writeOwner(dir string) error {
	self := selfID()
	return os.WriteFile(filepath.Join(dir, ownerFile), fmt.Appendf(nil, "%d %d\n", self.pid, self.start), 0o644)
}

// recordDaemon adds a listener and its namespace ("" for none) to dir's
// list.
func recordDaemon(dir string, id procID, ns string) error {
	if ns == "" {
		ns = "-"
	}
	f, err := os.OpenFile(filepath.Join(dir, daemonsFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("sshdtest: %w", err)
	}
	_, err = fmt.Fprintln(f, id.pid, id.start, ns)
	if err = errors.Join(err, f.Close()); err != nil {
		return fmt.Errorf("sshdtest: %w", err)
	}
	return nil
}

// sweep removes what test processes that are gone left behind.
func sweep(ctx context.Context) {
	sweepDirs() // first: it kills the processes of the users
	if os.Geteuid() == 0 {
		sweepUsers(ctx)
	}
}

// sweepDirs removes the servers of test processes that are gone.
func sweepDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPattern))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		var owner procID
		if err != nil {
			continue // being created, or not ours
		}
		if _, err := fmt.Sscanf(string(b), "%d %d", &owner.pid, &owner.start); err != nil || owner.alive() {
			continue
		}
		readDaemons(dir).kill(func(procInfo) bool { return true })
		os.RemoveAll(dir)
	}
}

// readDaemons returns a tracker of the listeners listed in dir.
func readDaemons(dir string) *tracker {
	tr := newTracker(filepath.Join(dir, markerFile))
	b, _ := os.ReadFile(filepath.Join(dir, daemonsFile))
	for line := range strings.Lines(string(b)) {
		var id procID
		var ns string
		if _, err := fmt.Sscanf(line, "%d %d %s", &id.pid, &id.start, &ns); err != nil {
			continue
		}
		if ns == "-" {
			ns = ""
		}
		tr.addDaemon(id, ns)
	}
	return tr
}
