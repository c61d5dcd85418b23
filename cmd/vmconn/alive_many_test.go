package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/vmconn/vmconn/vmtest"
)

// TestAliveManyHosts: several hosts, one of them down: a line per host in
// the order given, a summary, and exit status 1.
func TestAliveManyHosts(t *testing.T) {
	srv, flags := cliServer(t)
	bh, err := vmtest.NewBlackhole()
	if err != nil {
		t.Fatal(err)
	}
	defer bh.Close()
	base := append(flags, "--no-icmp", "--timeout", "1s", "--ports", strconv.Itoa(bh.Port()))
	stdout, stderr, code := cliRun(t, aliveArgs(base, srv.Addr(), bh.Addr())...)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != 1 || len(lines) != 2 || lines[0] != srv.Addr()+": alive: ssh" ||
		!strings.HasPrefix(lines[1], bh.Addr()+": down") || !strings.Contains(stderr, "1 alive, 1 down") {
		t.Errorf("code %d stdout %q stderr %q", code, stdout, stderr)
	}
	stdout, stderr, code = cliRun(t, aliveArgs(base, "-H", srv.Addr()+","+srv.Addr(), "--json")...)
	if code != 0 || strings.Count(stdout, `"alive":true`) != 2 || !strings.Contains(stderr, "2 alive, 0 down") {
		t.Errorf("-H --json: code %d stdout %q stderr %q", code, stdout, stderr)
	}
	_, stderr, code = cliRun(t, aliveArgs(base, srv.Addr(), "host:0")...)
	if code != 2 || !strings.Contains(stderr, "out of range") {
		t.Errorf("bad host: %d %q", code, stderr)
	}
}
