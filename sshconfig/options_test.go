package sshconfig_test

import (
	"errors"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/sshconfig"
)

// TestWithOptions: -o settings win over the file, for every host; a
// directive vmconn does not apply is refused.
func TestWithOptions(t *testing.T) {
	t.Parallel()
	sc, err := sshconfig.Parse([]byte("Host vm\n  Port 2200\n  User fileuser\n  ProxyJump hop\n"))
	if err != nil {
		t.Fatal(err)
	}
	o, err := sc.WithOptions("port=2201", "ProxyCommand busybox nc %h %p", "User = optuser")
	if err != nil {
		t.Fatal(err)
	}
	r, err := o.Resolve("vm", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Addr != "vm:2201" || r.Config.User != "optuser" || len(r.Jumps) != 0 ||
		r.ProxyCommand == nil || r.ProxyCommand.Command != "busybox nc vm 2201" {
		t.Fatalf("addr %q user %q jumps %d command %+v", r.Addr, r.Config.User, len(r.Jumps), r.ProxyCommand)
	}
	if r, err := sc.Resolve("vm", nil); err != nil || r.Addr != "vm:2200" {
		t.Fatalf("the original changed: %v, %v", r, err)
	}
	for _, bad := range []string{"Ciphers=aes128-ctr", "Host=x", "=x", "Port=", "User=a\nHost b"} {
		if _, err := sc.WithOptions(bad); !errors.Is(err, vmconn.ErrConfig) {
			t.Errorf("-o %q: %v", bad, err)
		}
	}
}
