package vmconn_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/sshdtest"
	"golang.org/x/crypto/ssh"
)

// jumpChain starts two jump hosts and a target, three real sshd on
// loopback.
func jumpChain(t *testing.T) (hop1, hop2, target *sshdtest.Server) {
	t.Helper()
	o := sshdtest.Options{HostKeyTypes: []string{"ed25519"}}
	return sshdtest.Start(t, o), sshdtest.Start(t, o), sshdtest.Start(t, o)
}

// jumpHops returns the hops with the harness's keys and known_hosts.
func jumpHops(servers ...*sshdtest.Server) []vmconn.JumpHost {
	var hops []vmconn.JumpHost
	for _, s := range servers {
		hops = append(hops, vmconn.JumpHost{Addr: s.Addr, Config: sshdConfig(s)})
	}
	return hops
}

// TestJumpTwoHops: the target is reached through both hops in order,
// each of which forwards to the next, and closing the client closes
// every hop's connection.
func TestJumpTwoHops(t *testing.T) {
	t.Parallel()
	hop1, hop2, target := jumpChain(t)
	c, err := vmconn.DialVia(testCtx(t), target.Addr, sshdConfig(target), jumpHops(hop1, hop2)...)
	if err != nil {
		t.Fatalf("DialVia: %v\nhop1:\n%s\nhop2:\n%s", err, hop1.Logs(), hop2.Logs())
	}
	defer c.Close()
	out, err := c.Output(testCtx(t), "echo through")
	if err != nil || string(out) != "through\n" {
		t.Fatalf("Output = %q, %v", out, err)
	}
	forwarded := func(s, to *sshdtest.Server) bool {
		return strings.Contains(s.Logs(), fmt.Sprintf("target %s port %d", to.Host, to.Port))
	}
	if !forwarded(hop1, hop2) || !forwarded(hop2, target) || forwarded(hop1, target) {
		t.Errorf("chain not hop1 -> hop2 -> target\nhop1:\n%s\nhop2:\n%s", hop1.Logs(), hop2.Logs())
	}
}

// TestJumpMiddleHopHostKeyMismatch: a wrong host key for the second hop
// is refused with a HostKeyError naming that hop, not retried, and the
// target is never reached.
func TestJumpMiddleHopHostKeyMismatch(t *testing.T) {
	t.Parallel()
	hop1, hop2, target := jumpChain(t)
	hops := jumpHops(hop1, hop2)
	wrong := filepath.Join(t.TempDir(), "known_hosts")
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	other, _ := ssh.NewPublicKey(pub)
	writeKnownHost(t, wrong, hop2.Addr, other) // the harness shares host keys between servers
	hops[1].Config.KnownHostsFiles = []string{wrong}
	_, err := vmconn.DialVia(testCtx(t), target.Addr, sshdConfig(target), hops...)
	var hke *vmconn.HostKeyError
	if !errors.Is(err, vmconn.ErrHostKeyChanged) || !errors.As(err, &hke) || hke.Addr != hop2.Addr {
		t.Fatalf("DialVia = %v; want ErrHostKeyChanged for %s", err, hop2.Addr)
	}
	t.Logf("refused: %v", err)
	if vmconn.Retryable(err) || !strings.Contains(err.Error(), hop2.Addr) {
		t.Errorf("error %q: retryable %v, must name %s", err, vmconn.Retryable(err), hop2.Addr)
	}
	if strings.Contains(hop2.Logs(), fmt.Sprintf("port %d", target.Port)) {
		t.Error("the target was reached through an unverified hop")
	}
}

// TestJumpReconnectAndRebootGuard: a jump host whose connections are
// killed, and a target that reboots behind it: the client reconnects
// through a new chain, and the reboot guard sees the reboot.
func TestJumpReconnectAndRebootGuard(t *testing.T) {
	t.Parallel()
	hop := sshdtest.Start(t, sshdtest.Options{HostKeyTypes: []string{"ed25519"}})
	srv := newServer(t)
	var log eventLog
	cfg := testConfig(srv)
	cfg.OnEvent = log.add
	c, err := vmconn.DialVia(testCtx(t), srv.Addr(), cfg, jumpHops(hop)...)
	if err != nil {
		t.Fatalf("DialVia: %v", err)
	}
	defer c.Close()
	if _, err := c.Output(testCtx(t), "true"); err != nil {
		t.Fatal(err)
	}
	hop.KillConnections(t)
	<-c.Done()
	if out, err := c.Output(testCtx(t), "echo back"); err != nil || string(out) != "back\n" {
		t.Fatalf("after the hop's connections were killed: %q, %v", out, err)
	}
	before := srv.BootID()
	cmd := c.Command(testCtx(t), "echo running; sleep 30")
	cmd.RebootGuard = true
	cmd.Stdout = &notifyWriter{want: "running\n", do: func() { go srv.Reboot() }}
	err = cmd.Run()
	var re *vmconn.RebootError
	if !errors.As(err, &re) || re.OldBootID != before || re.NewBootID != srv.BootID() {
		t.Fatalf("guarded command across a reboot behind a jump host: %v", err)
	}
	if n := strings.Count(strings.Join(log.types(), " "), "reconnected"); n < 2 {
		t.Errorf("events %v; want two reconnections", log.types())
	}
}
