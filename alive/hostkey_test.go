package alive_test

import (
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/vmconn/vmconn/alive"
	"github.com/vmconn/vmconn/internal/testkit"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// The SSH login connects to the address resolved for all the layers, but
// checks the host key under the name the user wrote: a known_hosts line
// for "[localhost]:port" is trusted, one for the address alone is not.
// ("localhost" comes from /etc/hosts: no DNS query is sent.)
func TestCheckHostKeyByName(t *testing.T) {
	t.Parallel()
	s := testkit.Server(t)
	port := strconv.Itoa(s.Port())
	dir := t.TempDir()
	byName := writeKnownHosts(t, filepath.Join(dir, "by-name"), net.JoinHostPort("localhost", port), s)
	byAddr := writeKnownHosts(t, filepath.Join(dir, "by-addr"), s.Addr(), s)
	var mu sync.Mutex
	var dialled []string
	cfg := testkit.Config(s)
	cfg.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dialled = append(dialled, addr)
		mu.Unlock()
		return (&net.Dialer{}).DialContext(ctx, network, s.Addr()) // localhost may resolve to ::1 first
	}
	for known, want := range map[string]alive.Outcome{byName: alive.Answered, byAddr: alive.AuthFailed} {
		cfg.KnownHostsFiles = []string{known}
		res, err := alive.Check(testkit.Ctx(t), "localhost:"+port, &alive.Options{Config: cfg, Ports: []int{s.Port()}, NoICMP: true})
		if err != nil {
			t.Fatal(err)
		}
		if l := layerOf(t, res, "ssh/"+port); l.Outcome != want {
			t.Errorf("known_hosts %s: ssh %v (%s), want %v", filepath.Base(known), l.Outcome, l.Detail, want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, addr := range dialled {
		if ap, err := netip.ParseAddrPort(addr); err != nil || ap.Port() != uint16(s.Port()) {
			t.Errorf("the login dialled %q, want the resolved address and the port", addr)
		}
	}
}

// writeKnownHosts writes a known_hosts file trusting s's host key as
// host ("host:port").
func writeKnownHosts(t *testing.T, file, host string, s interface{ HostKey() ssh.PublicKey }) string {
	t.Helper()
	if err := os.WriteFile(file, []byte(knownhosts.Line([]string{host}, s.HostKey())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}
