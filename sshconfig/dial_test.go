package sshconfig_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/sshdtest"
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/sshconfig"
)

// TestResolvedDialThroughJumps: aliases, per-host keys and known_hosts
// and a two-hop ProxyJump, all from an ssh_config file, against real
// sshd.
func TestResolvedDialThroughJumps(t *testing.T) {
	t.Parallel()
	o := sshdtest.Options{HostKeyTypes: []string{"ed25519"}}
	hop1, hop2, target := sshdtest.Start(t, o), sshdtest.Start(t, o), sshdtest.Start(t, o)
	var b strings.Builder
	for name, s := range map[string]*sshdtest.Server{"hop1": hop1, "hop2": hop2, "vm": target} {
		fmt.Fprintf(&b, "Host %s\n  HostName %s\n  Port %d\n  User %s\n  IdentityFile %s\n  UserKnownHostsFile %s\n  IdentitiesOnly yes\n",
			name, s.Host, s.Port, s.User, s.ClientKeyFile, s.KnownHostsFile)
	}
	b.WriteString("Host vm\n  ProxyJump hop1,hop2\n")
	file := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	sc, err := sshconfig.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	r, err := sc.Resolve("vm", nil)
	if err != nil {
		t.Fatal(err)
	}
	var addrs []string
	for _, j := range r.Jumps {
		addrs = append(addrs, j.Addr)
	}
	if !slices.Equal(addrs, []string{hop1.Addr, hop2.Addr}) || r.Addr != target.Addr {
		t.Fatalf("hops %q, addr %q", addrs, r.Addr)
	}
	c, err := r.Dial(testkit.Ctx(t))
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c.Close()
	if out, err := c.Output(testkit.Ctx(t), "echo ok"); err != nil || string(out) != "ok\n" {
		t.Fatalf("Output = %q, %v", out, err)
	}
}
