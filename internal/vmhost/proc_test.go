//go:build linux

package vmhost

import (
	"os"
	"syscall"
	"testing"
)

// TestRefusesOwnPIDNamespace: the check that keeps reboot commands away
// from the test machine refuses processes of the test's own namespace.
func TestRefusesOwnPIDNamespace(t *testing.T) {
	for _, pid := range []int{os.Getpid(), os.Getppid(), 1} {
		if ns, err := checkChildPIDNamespace(pid); err == nil {
			t.Errorf("process %d accepted as the init of a nested PID namespace %s", pid, ns)
		}
	}
}

func TestSignalIf(t *testing.T) {
	yes := func(proc) bool { return true }
	for _, pid := range []int{-1, 0, 1} {
		if sent, err := signalIf(pid, syscall.Signal(0), yes); sent || err == nil {
			t.Errorf("signalIf(%d) = %v, %v; want refused", pid, sent, err)
		}
	}
	if sent, err := signalIf(os.Getpid(), syscall.Signal(0), yes); !sent || err != nil {
		t.Errorf("signalIf(self, 0) = %v, %v", sent, err)
	}
	notMe := func(p proc) bool { return p.pid != os.Getpid() }
	if sent, err := signalIf(os.Getpid(), syscall.SIGKILL, notMe); sent || err != nil {
		t.Errorf("signalIf(self) with a failing check = %v, %v", sent, err)
	}
}

func TestNewBootID(t *testing.T) {
	id := newBootID()
	if len(id) != 36 || id[14] != '4' || id == newBootID() {
		t.Errorf("newBootID = %q", id)
	}
}
