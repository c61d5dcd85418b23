//go:build linux

package qemuvm_test

import (
	"testing"

	"github.com/vmconn/vmconn/internal/qemuvm"
)

// The machine boots, its sshd answers on the forwarded port, and the
// guest printed one boot id.
func TestBoot(t *testing.T) {
	vm := qemuvm.Start(t, nil)
	ids := vm.BootIDs()
	if len(ids) != 1 || len(ids[0]) != 36 {
		t.Fatalf("boot ids %q, want one", ids)
	}
	t.Logf("boot id %s, booted with %s in %v", ids[0], vm.Accel, vm.BootTime)
}
