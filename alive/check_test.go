package alive_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/alive"
	"github.com/vmconn/vmconn/internal/testkit"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestCheckOperational(t *testing.T) {
	t.Parallel()
	s := testkit.Server(t)
	start := time.Now()
	res, err := alive.Check(context.Background(), s.Addr(), &alive.Options{
		Config: testkit.Config(s), Ports: []int{s.Port()}, Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Alive || res.Layer != alive.LayerSSH || !res.Operational {
		t.Fatalf("got %s %+v, want alive at ssh, operational", res, res.Layers)
	}
	if got := res.String(); got != "alive: ssh" {
		t.Errorf("summary %q, want %q", got, "alive: ssh")
	}
	if l := layerOf(t, res, "ssh/"+strconv.Itoa(s.Port())); l.Outcome != alive.Answered || l.Latency <= 0 {
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
func TestCheckAuthFailed(t *testing.T) {
	t.Parallel()
	s := testkit.Server(t)
	other := testkit.Server(t) // a server with other keys
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
			t.Parallel()
			cfg := testkit.Config(s)
			tt.modify(cfg)
			res, err := alive.Check(context.Background(), s.Addr(), &alive.Options{Config: cfg, Ports: []int{s.Port()}})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Alive || res.Layer != alive.LayerSSH || res.Operational {
				t.Fatalf("got %s, want alive at ssh, not operational", res)
			}
			l := res.Layers[0]
			if l.Outcome != alive.AuthFailed || l.Detail != tt.detail || !l.Answered() {
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
func TestCheckSSHDStopped(t *testing.T) {
	t.Parallel()
	s := testkit.Server(t)
	s.StopListening()
	closed := testkit.ClosedPort(t)
	res, err := alive.Check(context.Background(), s.Addr(), &alive.Options{
		Config: testkit.Config(s), Ports: []int{s.Port(), closed}, NoICMP: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Alive || res.Layer != alive.LayerTCP || res.Operational {
		t.Fatalf("got %s, want alive at tcp", res)
	}
	if l := res.Layers[0]; l.Outcome != alive.Refused || l.Answered() {
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
	if l := res.Layers[len(res.Layers)-1]; l.Layer != alive.LayerICMP || l.Outcome != alive.Skipped {
		t.Errorf("icmp layer %+v, want skipped", l)
	}
}

// A port that accepts and never sends a banner: TCP answered, SSH timed
// out, and the verdict is bounded by the timeout.
func TestCheckTarpit(t *testing.T) {
	t.Parallel()
	port := testkit.Tarpit(t, "tcp", "127.0.0.1:0")
	const timeout = 500 * time.Millisecond
	start := time.Now()
	res, err := alive.Check(context.Background(), "127.0.0.1:"+strconv.Itoa(port), &alive.Options{
		Config: &vmconn.Config{NoAgent: true, HostKeyMode: vmconn.HostKeyInsecureIgnore}, NoICMP: true, Timeout: timeout,
	})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if res.Layer != alive.LayerTCP {
		t.Fatalf("got %s, want alive at tcp", res)
	}
	if l := res.Layers[0]; l.Outcome != alive.TimedOut || !strings.Contains(l.Detail, "no SSH banner") {
		t.Errorf("ssh layer %+v, want timed out without banner", l)
	}
	if l := layerOf(t, res, "tcp/"+strconv.Itoa(port)); l.Outcome != alive.Answered {
		t.Errorf("tcp layer %+v, want answered", l)
	}
	if took < timeout || took > timeout+time.Second {
		t.Errorf("took %v, want about the timeout %v", took, timeout)
	}
}

// A port that speaks another protocol answers at TCP only.
func TestCheckNotSSH(t *testing.T) {
	t.Parallel()
	port := testkit.ReplyAndClose(t, "HTTP/1.1 400 Bad Request\r\n\r\n")
	res, err := alive.Check(context.Background(), "127.0.0.1:"+strconv.Itoa(port), &alive.Options{
		Config: &vmconn.Config{NoAgent: true, HostKeyMode: vmconn.HostKeyInsecureIgnore}, NoICMP: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if l := res.Layers[0]; res.Layer != alive.LayerTCP || l.Outcome != alive.Failed || l.Answered() {
		t.Errorf("got %s, ssh layer %+v; want alive at tcp, ssh failed", res, l)
	}
}

// A server that sends its banner and then stalls is alive at SSH
// (degraded), not operational.
func TestCheckBannerThenStall(t *testing.T) {
	t.Parallel()
	port := testkit.BannerThenStall(t, "SSH-2.0-stuck\r\n")
	res, err := alive.Check(context.Background(), "127.0.0.1:"+strconv.Itoa(port), &alive.Options{
		Config: &vmconn.Config{NoAgent: true, HostKeyMode: vmconn.HostKeyInsecureIgnore}, NoICMP: true, Timeout: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	l := res.Layers[0]
	if res.Layer != alive.LayerSSH || res.Operational || l.Outcome != alive.Degraded || !strings.Contains(l.Detail, "SSH-2.0-stuck") {
		t.Errorf("got %s, ssh layer %+v; want alive at ssh, degraded", res, l)
	}
	if res.String() != "alive: ssh (not operational)" {
		t.Errorf("summary %q", res)
	}
}

// When SSH answers, Check returns at once: it cancels the probes that
// are still waiting (here a port that drops connection attempts) and
// waits for them to end (goleak in TestMain checks none is left).
func TestCheckEarlyReturn(t *testing.T) {
	t.Parallel()
	s := testkit.Server(t)
	hole := testkit.Blackhole(t)
	start := time.Now()
	res, err := alive.Check(context.Background(), s.Addr(), &alive.Options{
		Config: testkit.Config(s), Ports: []int{hole}, NoICMP: true, Timeout: 20 * time.Second,
	})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if res.Layer != alive.LayerSSH || !res.Operational {
		t.Fatalf("got %s, want alive: ssh", res)
	}
	if l := layerOf(t, res, "tcp/"+strconv.Itoa(hole)); l.Outcome != alive.Cancelled {
		t.Errorf("blackholed port %+v, want cancelled", l)
	}
	if took > 5*time.Second {
		t.Errorf("took %v, want an early return well before the 20s timeout", took)
	}
}

// A host where nothing answers: the verdict takes the timeout once, not
// once per probe.
func TestCheckDeadBounded(t *testing.T) {
	t.Parallel()
	hole := testkit.Blackhole(t)
	const timeout = 700 * time.Millisecond
	start := time.Now()
	res, err := alive.Check(context.Background(), "127.0.0.1:"+strconv.Itoa(hole), &alive.Options{
		Config: &vmconn.Config{NoAgent: true}, Ports: []int{hole}, NoICMP: true, Timeout: timeout,
	})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if res.Alive || res.Layer != alive.LayerNone || res.String() != "down" {
		t.Fatalf("got %s %+v, want down", res, res.Layers)
	}
	for _, l := range res.Layers[:2] {
		if l.Outcome != alive.TimedOut {
			t.Errorf("%s: %v, want timed-out", l.Target, l.Outcome)
		}
	}
	if took < timeout || took > timeout+500*time.Millisecond {
		t.Errorf("verdict took %v, want the timeout %v once", took, timeout)
	}
}

func TestCheckBadInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name, host string
		o          *alive.Options
		want       error
	}{
		{"empty host", "", nil, vmconn.ErrConfig},
		{"port zero", "127.0.0.1:0", nil, vmconn.ErrConfig},
		{"port too big", "127.0.0.1:65536", nil, vmconn.ErrConfig},
		{"unclosed bracket", "[::1", nil, vmconn.ErrConfig},
		{"ipv6 with port unbracketed", "::1:22:x", nil, vmconn.ErrConfig},
		{"probe port zero", "127.0.0.1", &alive.Options{Ports: []int{22, 0}}, vmconn.ErrConfig},
		{"probe port too big", "127.0.0.1", &alive.Options{Ports: []int{65536}}, vmconn.ErrConfig},
		{"negative timeout", "127.0.0.1", &alive.Options{Timeout: -time.Second}, vmconn.ErrConfig},
		{"missing key file", "127.0.0.1", &alive.Options{Config: &vmconn.Config{IdentityFiles: []string{"/nonexistent/key"}}}, vmconn.ErrConfig},
		// .onion names are never sent to DNS (RFC 7686): resolution fails locally.
		{"unresolvable", "nosuchhost.onion", nil, vmconn.ErrUnreachable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := alive.Check(ctx, tt.host, tt.o)
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
func TestCheckIPv6Literal(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	ln.Close()
	port := testkit.Tarpit(t, "tcp6", "[::1]:0")
	p := strconv.Itoa(port)
	for _, host := range []string{"::1", "[::1]", "[::1]:" + p, "user@[::1]:" + p} {
		t.Run(host, func(t *testing.T) {
			t.Parallel()
			res, err := alive.Check(context.Background(), host, &alive.Options{
				Ports: []int{port}, NoSSH: true, NoICMP: true, Timeout: time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Addr != "::1" || res.Layer != alive.LayerTCP {
				t.Errorf("got %s at %s, want alive at tcp at ::1", res, res.Addr)
			}
		})
	}
}

// ICMP to loopback answers when this process may ping (as root, over a raw
// socket); otherwise the layer says it was not permitted, not "down".
func TestCheckICMPLoopback(t *testing.T) {
	t.Parallel()
	res, err := alive.Check(context.Background(), "127.0.0.1", &alive.Options{
		NoSSH: true, Ports: []int{testkit.Blackhole(t)}, Timeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	l := layerOf(t, res, "icmp")
	switch {
	case os.Geteuid() == 0 && l.Outcome != alive.Answered:
		t.Errorf("as root, icmp layer %+v, want answered over a raw socket", l)
	case l.Outcome != alive.Answered && l.Outcome != alive.NotPermitted:
		t.Errorf("icmp layer %+v, want answered or not-permitted", l)
	}
	t.Logf("icmp: %v %s", l.Outcome, l.Detail)
}

func TestCheckCancelled(t *testing.T) {
	t.Parallel()
	hole := testkit.Blackhole(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	res, err := alive.Check(ctx, "127.0.0.1:"+strconv.Itoa(hole), &alive.Options{
		Config: &vmconn.Config{NoAgent: true}, NoICMP: true, Ports: []int{hole}, Timeout: 10 * time.Second,
	})
	if !errors.Is(err, context.Canceled) || res == nil || res.Layers[0].Outcome != alive.Cancelled {
		t.Fatalf("got %v, %v; want the partial result and context.Canceled", res, err)
	}
}

// The login that probes SSH is the probe's own: the Config's OnEvent
// hears nothing of it.
func TestCheckNoEvents(t *testing.T) {
	t.Parallel()
	s := testkit.Server(t)
	cfg := testkit.Config(s)
	var mu sync.Mutex
	var events []vmconn.Event
	cfg.OnEvent = func(e vmconn.Event) { mu.Lock(); events = append(events, e); mu.Unlock() }
	res, err := alive.Check(testkit.Ctx(t), s.Addr(), &alive.Options{Config: cfg, Ports: []int{s.Port()}, NoICMP: true})
	if err != nil || !res.Operational {
		t.Fatalf("got %v, %v; want operational", res, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 0 {
		t.Errorf("OnEvent heard %v", events)
	}
}
