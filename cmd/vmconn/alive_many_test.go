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

// TestAliveManyAliasesThroughJump: alive -H resolves each host through
// ssh_config (an alias with its own port and key) and logs in through -J
// or ProxyJump; with the jump host down the login no longer works.
func TestAliveManyAliasesThroughJump(t *testing.T) {
	t.Parallel()
	srvs, key, known := cliFleet(t, 3)
	jump, targets := srvs[0], srvs[1:]
	viaFile := aliasConfig(t, jump, targets, key, known, true)
	plainFile := aliasConfig(t, jump, targets, key, known, false)
	for _, args := range [][]string{{"-F", viaFile}, {"-F", plainFile, "-J", "jump"}} {
		stdout, stderr, code := cliRun(t, append(append([]string{"alive", "--no-icmp", "--timeout", "20s"}, args...), "h0", "h1")...)
		if code != 0 || !strings.Contains(stdout, "h0: alive: ssh\n") || !strings.Contains(stdout, "h1: alive: ssh\n") {
			t.Errorf("%v: code %d stdout %q stderr %q", args, code, stdout, stderr)
		}
	}
	jump.StopListening()
	stdout, _, _ := cliRun(t, "alive", "--no-icmp", "--timeout", "2s", "-F", viaFile, "h0", "h1")
	if strings.Contains(stdout, "alive: ssh") {
		t.Errorf("jump host down, yet: %q", stdout)
	}
}
