package alive_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn/alive"
	"github.com/vmconn/vmconn/internal/faultproxy"
	"github.com/vmconn/vmconn/internal/testkit"
	"golang.org/x/crypto/ssh/knownhosts"
)

// TestCheckNoBareConnectToSSHPort: probing the SSH and TCP layers of the
// SSH port, each Check makes one connection to it, and that connection
// logs in: the TCP layer reuses the SSH probe's connect instead of
// opening one and dropping it, which OpenSSH 9.8+ penalises
// (PerSourcePenalties "noauth") and Wait would do again and again.
func TestCheckNoBareConnectToSSHPort(t *testing.T) {
	t.Parallel()
	s := testkit.Server(t)
	p, err := faultproxy.New(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	known := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(known, []byte(knownhosts.Line([]string{p.Addr()}, s.HostKey())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testkit.Config(s)
	cfg.KnownHostsFiles = []string{known}
	_, port, _ := strings.Cut(p.Addr(), ":")
	portNum, _ := strconv.Atoi(port)
	const checks = 3
	for range checks {
		res, err := alive.Check(context.Background(), p.Addr(), &alive.Options{
			Config: cfg, Ports: []int{portNum}, NoICMP: true, Timeout: 10 * time.Second,
		})
		if err != nil || !res.Operational {
			t.Fatalf("Check = %v, %v; want operational", res, err)
		}
		if l := layerOf(t, res, "tcp/"+port); l.Outcome != alive.Answered {
			t.Errorf("tcp layer %+v, want answered (by the SSH probe's connect)", l)
		}
	}
	if accepted, _ := p.Stats(); accepted != checks || len(s.Commands()) != checks {
		t.Errorf("%d connections to the SSH port, %d logins; want %d of each, none opened and dropped",
			accepted, len(s.Commands()), checks)
	}
}
