//go:build linux || darwin || freebsd

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/faultproxy"
)

// TestFleetSharesConnections: with connection sharing on, exec -H and
// long -H reach each host through its own master: every host's server
// sees one connection, whatever the number of calls.
func TestFleetSharesConnections(t *testing.T) {
	t.Setenv(runMainEnv, "1") // masters are this test binary, playing the CLI
	srvs, key, _ := cliFleet(t, 3)
	dir, err := os.MkdirTemp("", "vmcf") // short: a socket path has a bound
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var hosts []string
	var proxies []*faultproxy.Proxy
	var known strings.Builder
	for _, srv := range srvs {
		p, err := faultproxy.New(srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		line, _ := os.ReadFile(srv.KnownHostsFile())
		fields := strings.Fields(string(line))
		known.WriteString("[127.0.0.1]:" + p.Addr()[strings.LastIndexByte(p.Addr(), ':')+1:] + " " + strings.Join(fields[1:], " ") + "\n")
		hosts, proxies = append(hosts, p.Addr()), append(proxies, p)
	}
	kh := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(kh, []byte(known.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	flags := []string{"-F", "none", "-i", key, "--known-hosts", kh, "--control-persist", "30s", "--control-path", filepath.Join(dir, "cm-%p")}
	t.Cleanup(func() {
		for _, h := range hosts {
			cliRun(t, append(append([]string{}, flags...), "control", "stop", h)...)
		}
	})
	list := strings.Join(hosts, ",")
	for range 2 {
		if stdout, stderr, code := cliRun(t, append(flags, "exec", "-H", list, "echo $VMTEST_BOOT_ID")...); code != 0 || strings.Count(stdout, "\n") != 3 {
			t.Fatalf("exec -H: code %d stdout %q stderr %q", code, stdout, stderr)
		}
	}
	stdout, stderr, code := cliRun(t, append(flags, "long", "--dir", jobsDir(t), "-H", list, "--", "echo job")...)
	if code != 0 || strings.Count(stdout, ": job\n") != 3 {
		t.Fatalf("long -H: code %d stdout %q stderr %q", code, stdout, stderr)
	}
	for i, p := range proxies {
		if accepted, _ := p.Stats(); accepted != 1 {
			t.Errorf("host %d saw %d connections, want 1 (its master's)", i, accepted)
		}
	}
}
