package vmconn_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestIsAliveOperational(t *testing.T) {
	s := aliveServer(t)
	start := time.Now()
	res, err := vmconn.IsAlive(context.Background(), s.Addr(), &vmconn.AliveOptions{
		Config: aliveConfig(s), Ports: []int{s.Port()}, Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Alive || res.Layer != vmconn.LayerSSH || !res.Operational {
		t.Fatalf("got %s %+v, want alive at ssh, operational", res, res.Layers)
	}
	if got := res.String(); got != "alive: ssh" {
		t.Errorf("summary %q, want %q", got, "alive: ssh")
	}
	if l := aliveLayer(t, res, "ssh/"+strconv.Itoa(s.Port())); l.Outcome != vmconn.Answered || l.Latency <= 0 {
		t.Errorf("ssh layer %+v, want answered with a latency", l)
	}
	if res.Addr != "127.0.0.1" {
		t.Errorf("Addr %q, want 127.0.0.1", res.Addr)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %v: an SSH answer must not wait for the timeout", took)
	}
	cmds := s.Commands()
	if len(cmds) != 1 || cmds[0] != "true" {
		t.Errorf("server ran %q, want one trivial command", cmds)
	}
}

// An SSH server that answers but refuses the login still proves the host
// alive at the SSH layer; it is not operational.
func TestIsAliveAuthFailed(t *testing.T) {
	s := aliveServer(t)
	other := aliveServer(t) // a server with other keys
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	changed := filepath.Join(dir, "changed")
	line := knownhosts.Line([]string{s.Addr()}, other.HostKey()) + "\n"
	if err := os.WriteFile(changed, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		modify func(*vmconn.Config)
		detail string
	}{
		{"wrong key", func(c *vmconn.Config) { c.Signers = []ssh.Signer{other.ClientSigner()} }, "authentication failed"},
		{"host key unknown", func(c *vmconn.Config) { c.KnownHostsFiles = []string{empty} }, "host key unknown"},
		{"host key changed", func(c *vmconn.Config) { c.KnownHostsFiles = []string{changed} }, "host key changed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := aliveConfig(s)
			tt.modify(cfg)
			res, err := vmconn.IsAlive(context.Background(), s.Addr(), &vmconn.AliveOptions{Config: cfg, Ports: []int{s.Port()}})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Alive || res.Layer != vmconn.LayerSSH || res.Operational {
				t.Fatalf("got %s, want alive at ssh, not operational", res)
			}
			l := res.Layers[0]
			if l.Outcome != vmconn.AuthFailed || l.Detail != tt.detail || !l.Answered() {
				t.Errorf("ssh layer %+v, want auth-failed %q", l, tt.detail)
			}
			if want := "alive: ssh (auth failed: " + tt.detail + ")"; res.String() != want {
				t.Errorf("summary %q, want %q", res, want)
			}
		})
	}
}

// A stopped sshd refuses: not alive at SSH, but the refusal proves the
// host's TCP stack alive.
func TestIsAliveSSHDStopped(t *testing.T) {
	s := aliveServer(t)
	s.StopListening()
	closed := aliveClosedPort(t)
	res, err := vmconn.IsAlive(context.Background(), s.Addr(), &vmconn.AliveOptions{
		Config: aliveConfig(s), Ports: []int{s.Port(), closed}, NoICMP: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Alive || res.Layer != vmconn.LayerTCP || res.Operational {
		t.Fatalf("got %s, want alive at tcp", res)
	}
	if l := res.Layers[0]; l.Outcome != vmconn.Refused || l.Answered() {
		t.Errorf("ssh layer %+v, want refused (no answer at ssh)", l)
	}
	// Once one port refused and SSH ended, the verdict is known: the
	// other port may have been cancelled before it answered.
	want := map[string]bool{
		fmt.Sprintf("alive: tcp (%d refused, %d refused)", s.Port(), closed): true,
		fmt.Sprintf("alive: tcp (%d refused)", s.Port()):                     true,
		fmt.Sprintf("alive: tcp (%d refused)", closed):                       true,
	}
	if !want[res.String()] {
		t.Errorf("summary %q, want the refused ports", res)
	}
	if l := res.Layers[len(res.Layers)-1]; l.Layer != vmconn.LayerICMP || l.Outcome != vmconn.Skipped {
		t.Errorf("icmp layer %+v, want skipped", l)
	}
}

// A port that accepts and never sends a banner: TCP answered, SSH timed
// out, and the verdict is bounded by the timeout.
func TestIsAliveTarpit(t *testing.T) {
	port := aliveTarpit(t, "tcp", "127.0.0.1:0")
	const timeout = 500 * time.Millisecond
	start := time.Now()
	res, err := vmconn.IsAlive(context.Background(), "127.0.0.1:"+strconv.Itoa(port), &vmconn.AliveOptions{
		Config: &vmconn.Config{NoAgent: true, HostKeyMode: vmconn.HostKeyInsecureIgnore}, NoICMP: true, Timeout: timeout,
	})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if res.Layer != vmconn.LayerTCP {
		t.Fatalf("got %s, want alive at tcp", res)
	}
	if l := res.Layers[0]; l.Outcome != vmconn.TimedOut || !strings.Contains(l.Detail, "no SSH banner") {
		t.Errorf("ssh layer %+v, want timed out without banner", l)
	}
	if l := aliveLayer(t, res, "tcp/"+strconv.Itoa(port)); l.Outcome != vmconn.Answered {
		t.Errorf("tcp layer %+v, want answered", l)
	}
	if took < timeout || took > timeout+time.Second {
		t.Errorf("took %v, want about the timeout %v", took, timeout)
	}
}

// A port that speaks another protocol answers at TCP only.
func TestIsAliveNotSSH(t *testing.T) {
	port := aliveServeOnce(t, "HTTP/1.1 400 Bad Request\r\n\r\n")
	res, err := vmconn.IsAlive(context.Background(), "127.0.0.1:"+strconv.Itoa(port), &vmconn.AliveOptions{
		Config: &vmconn.Config{NoAgent: true, HostKeyMode: vmconn.HostKeyInsecureIgnore}, NoICMP: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if l := res.Layers[0]; res.Layer != vmconn.LayerTCP || l.Outcome != vmconn.Failed || l.Answered() {
		t.Errorf("got %s, ssh layer %+v; want alive at tcp, ssh failed", res, l)
	}
}

// A server that sends its banner and then stalls is alive at SSH
// (degraded), not operational.
func TestIsAliveBannerThenStall(t *testing.T) {
	port := aliveServeSlow(t, "SSH-2.0-stuck\r\n")
	res, err := vmconn.IsAlive(context.Background(), "127.0.0.1:"+strconv.Itoa(port), &vmconn.AliveOptions{
		Config: &vmconn.Config{NoAgent: true, HostKeyMode: vmconn.HostKeyInsecureIgnore}, NoICMP: true, Timeout: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	l := res.Layers[0]
	if res.Layer != vmconn.LayerSSH || res.Operational || l.Outcome != vmconn.Degraded || !strings.Contains(l.Detail, "SSH-2.0-stuck") {
		t.Errorf("got %s, ssh layer %+v; want alive at ssh, degraded", res, l)
	}
	if res.String() != "alive: ssh (not operational)" {
		t.Errorf("summary %q", res)
	}
}

// aliveServeSlow writes banner on each connection and then holds it.
func aliveServeSlow(t *testing.T, banner string) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var conns []net.Conn
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte(banner))
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().(*net.TCPAddr).Port
}

// When SSH answers, IsAlive returns at once: it cancels the probes that
// are still waiting (here a port that drops connection attempts) and
// waits for them to end (goleak in TestMain checks none is left).
func TestIsAliveEarlyReturn(t *testing.T) {
	s := aliveServer(t)
	hole := aliveBlackhole(t)
	start := time.Now()
	res, err := vmconn.IsAlive(context.Background(), s.Addr(), &vmconn.AliveOptions{
		Config: aliveConfig(s), Ports: []int{hole}, NoICMP: true, Timeout: 20 * time.Second,
	})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if res.Layer != vmconn.LayerSSH || !res.Operational {
		t.Fatalf("got %s, want alive: ssh", res)
	}
	if l := aliveLayer(t, res, "tcp/"+strconv.Itoa(hole)); l.Outcome != vmconn.Cancelled {
		t.Errorf("blackholed port %+v, want cancelled", l)
	}
	if took > 5*time.Second {
		t.Errorf("took %v, want an early return well before the 20s timeout", took)
	}
}

// A host where nothing answers: the verdict takes the timeout once, not
// once per probe.
func TestIsAliveDeadBounded(t *testing.T) {
	hole := aliveBlackhole(t)
	const timeout = 700 * time.Millisecond
	start := time.Now()
	res, err := vmconn.IsAlive(context.Background(), "127.0.0.1:"+strconv.Itoa(hole), &vmconn.AliveOptions{
		Config: &vmconn.Config{NoAgent: true}, Ports: []int{hole}, NoICMP: true, Timeout: timeout,
	})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if res.Alive || res.Layer != vmconn.LayerNone || res.String() != "down" {
		t.Fatalf("got %s %+v, want down", res, res.Layers)
	}
	for _, l := range res.Layers[:2] {
		if l.Outcome != vmconn.TimedOut {
			t.Errorf("%s: %v, want timed-out", l.Target, l.Outcome)
		}
	}
	if took < timeout || took > timeout+500*time.Millisecond {
		t.Errorf("verdict took %v, want the timeout %v once", took, timeout)
	}
}

func TestIsAliveBadInput(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, host string
		o          *vmconn.AliveOptions
		want       error
	}{
		{"empty host", "", nil, vmconn.ErrConfig},
		{"port zero", "127.0.0.1:0", nil, vmconn.ErrConfig},
		{"port too big", "127.0.0.1:65536", nil, vmconn.ErrConfig},
		{"unclosed bracket", "[::1", nil, vmconn.ErrConfig},
		{"ipv6 with port unbracketed", "::1:22:x", nil, vmconn.ErrConfig},
		{"probe port zero", "127.0.0.1", &vmconn.AliveOptions{Ports: []int{22, 0}}, vmconn.ErrConfig},
		{"probe port too big", "127.0.0.1", &vmconn.AliveOptions{Ports: []int{65536}}, vmconn.ErrConfig},
		{"negative timeout", "127.0.0.1", &vmconn.AliveOptions{Timeout: -time.Second}, vmconn.ErrConfig},
		{"missing key file", "127.0.0.1", &vmconn.AliveOptions{Config: &vmconn.Config{IdentityFiles: []string{"/nonexistent/key"}}}, vmconn.ErrConfig},
		// .onion names are never sent to DNS (RFC 7686): resolution fails locally.
		{"unresolvable", "nosuchhost.onion", nil, vmconn.ErrUnreachable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := vmconn.IsAlive(ctx, tt.host, tt.o)
			if !errors.Is(err, tt.want) || res != nil {
				t.Fatalf("got %v, %v; want nil, %v", res, err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "vmconn: ") {
				t.Errorf("error %q does not start with vmconn:", err)
			}
			if vmconn.Retryable(err) != (tt.want == vmconn.ErrUnreachable) {
				t.Errorf("Retryable(%v) = %v", err, vmconn.Retryable(err))
			}
		})
	}
}

// IPv6 literals work bare and in brackets, with and without a port.
func TestIsAliveIPv6Literal(t *testing.T) {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	ln.Close()
	port := aliveTarpit(t, "tcp6", "[::1]:0")
	p := strconv.Itoa(port)
	for _, host := range []string{"::1", "[::1]", "[::1]:" + p, "user@[::1]:" + p} {
		t.Run(host, func(t *testing.T) {
			res, err := vmconn.IsAlive(context.Background(), host, &vmconn.AliveOptions{
				Ports: []int{port}, NoSSH: true, NoICMP: true, Timeout: time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Addr != "::1" || res.Layer != vmconn.LayerTCP {
				t.Errorf("got %s at %s, want alive at tcp at ::1", res, res.Addr)
			}
		})
	}
}

// ICMP to loopback answers when this process may ping (as root, over a raw
// socket); otherwise the layer says it was not permitted, not "down".
func TestIsAliveICMPLoopback(t *testing.T) {
	res, err := vmconn.IsAlive(context.Background(), "127.0.0.1", &vmconn.AliveOptions{
		NoSSH: true, Ports: []int{aliveBlackhole(t)}, Timeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	l := aliveLayer(t, res, "icmp")
	switch {
	case os.Geteuid() == 0 && l.Outcome != vmconn.Answered:
		t.Errorf("as root, icmp layer %+v, want answered over a raw socket", l)
	case l.Outcome != vmconn.Answered && l.Outcome != vmconn.NotPermitted:
		t.Errorf("icmp layer %+v, want answered or not-permitted", l)
	}
	t.Logf("icmp: %v %s", l.Outcome, l.Detail)
}

func TestClientIsAlive(t *testing.T) {
	s := aliveServer(t)
	ctx := context.Background()
	c, err := vmconn.Dial(ctx, s.Addr(), aliveConfig(s))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	o := &vmconn.AliveOptions{Ports: []int{s.Port()}, NoICMP: true}
	res, err := c.IsAlive(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Operational || !strings.Contains(res.Layers[0].Detail, "keepalive") || len(s.Commands()) != 0 {
		t.Errorf("open client: %s %+v, commands %q; want a keepalive answer and no new login", res, res.Layers[0], s.Commands())
	}
	s.DropConnections()
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("connection did not end after DropConnections")
	}
	res, err = c.IsAlive(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Operational || !strings.Contains(res.Layers[0].Detail, "logged in") {
		t.Errorf("lost connection: %s %+v; want a new login", res, res.Layers[0])
	}
}

// A stalled link: the keepalive gets no answer, the new login gets no
// banner, but the TCP connect completes. Bounded by the timeout.
func TestClientIsAliveStalled(t *testing.T) {
	s := aliveServer(t)
	ctx := context.Background()
	c, err := vmconn.Dial(ctx, s.Addr(), aliveConfig(s))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s.Stall(true)
	defer s.Stall(false)
	const timeout = time.Second
	start := time.Now()
	res, err := c.IsAlive(ctx, &vmconn.AliveOptions{Ports: []int{s.Port()}, NoICMP: true, Timeout: timeout})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if res.Layer != vmconn.LayerTCP || res.Layers[0].Outcome != vmconn.TimedOut {
		t.Errorf("got %s, ssh %+v; want alive at tcp, ssh timed out", res, res.Layers[0])
	}
	if took > timeout+500*time.Millisecond {
		t.Errorf("took %v, want at most the timeout %v", took, timeout)
	}
}

func TestIsAliveCancelled(t *testing.T) {
	hole := aliveBlackhole(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	res, err := vmconn.IsAlive(ctx, "127.0.0.1:"+strconv.Itoa(hole), &vmconn.AliveOptions{
		Config: &vmconn.Config{NoAgent: true}, NoICMP: true, Ports: []int{hole}, Timeout: 10 * time.Second,
	})
	if !errors.Is(err, context.Canceled) || res == nil || res.Layers[0].Outcome != vmconn.Cancelled {
		t.Fatalf("got %v, %v; want the partial result and context.Canceled", res, err)
	}
}
