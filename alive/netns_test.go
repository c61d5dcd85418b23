//go:build linux

package alive_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/alive"
	"github.com/vmconn/vmconn/internal/netns"
	"github.com/vmconn/vmconn/internal/testkit"
	"golang.org/x/crypto/ssh"
)

// labSpec is what TestNetns tells its child: the lab hosts'
// addresses and the files to log in with.
type labSpec struct {
	SSH, SSH6      string // sshd; TCP 443 and 80 dropped
	Refuse         string // no listener: every port refuses
	PingOnly       string // drops TCP, answers ping
	PingOnly6      string // the same over IPv6: ICMPv6 echo
	Dead, Dead6    string // drops everything
	Only443        string // answers only TCP 443
	Only4436       string // the same over IPv6
	KeyFile        string // private key sshd accepts for root
	KnownHostsFile string // trusts sshd's host key at SSH and SSH6
}

const labEnv = "VMCONN_ALIVE_LAB"

// TestNetns builds test hosts in network namespaces and checks
// Check's verdict on each from a client namespace, by running
// TestNetnsChild there. Needs root, ip and nft (and sshd); skipped
// without them unless CI=true.
func TestNetns(t *testing.T) {
	if netns.InChild() {
		t.Skip("parent of TestNetnsChild")
	}
	lab := netns.NewLab(t)
	client := lab.AddHost("client", nil)
	sshHost := lab.AddHost("ssh", &netns.HostOptions{Nft: netns.DropTCPPorts(443, 80)})
	refuse := lab.AddHost("refuse", nil)
	pingOnly := lab.AddHost("pingonly", &netns.HostOptions{Nft: netns.DropTCP})
	dead := lab.AddHost("dead", &netns.HostOptions{Nft: netns.DropAll})
	only443 := lab.AddHost("only443", &netns.HostOptions{Nft: netns.OnlyTCP(443)})
	testkit.AcceptAndClose(t, only443.Listen("tcp", ":443"))

	dir := t.TempDir()
	signer, keyFile := newKeyFile(t, dir)
	sshd := sshHost.StartSSHD(signer.PublicKey())
	knownHosts := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(knownHosts, []byte(sshHost.KnownHostsLine(22, sshd.HostKey)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	spec, err := json.Marshal(labSpec{
		SSH: sshHost.IPv4.String(), SSH6: sshHost.IPv6.String(),
		Refuse: refuse.IPv4.String(), PingOnly: pingOnly.IPv4.String(), PingOnly6: pingOnly.IPv6.String(),
		Only4436: only443.IPv6.String(),
		Dead:     dead.IPv4.String(), Dead6: dead.IPv6.String(), Only443: only443.IPv4.String(),
		KeyFile: keyFile, KnownHostsFile: knownHosts,
	})
	if err != nil {
		t.Fatal(err)
	}
	client.RunTest(t, "TestNetnsChild", labEnv+"="+string(spec))
}

// TestNetnsChild runs inside the lab's client namespace, started by
// TestNetns; elsewhere it skips.
func TestNetnsChild(t *testing.T) {
	var lab labSpec
	if !netns.InChild() || json.Unmarshal([]byte(os.Getenv(labEnv)), &lab) != nil {
		t.Skip("started by TestNetns inside a lab")
	}
	cfg := &vmconn.Config{User: "root", IdentityFiles: []string{lab.KeyFile}, KnownHostsFiles: []string{lab.KnownHostsFile}, NoAgent: true}
	_, otherKey := newKeyFile(t, t.TempDir())
	wrongKey := *cfg
	wrongKey.IdentityFiles = []string{otherKey}
	// Hosts that answer at their top layer get a long timeout that the
	// verdict must come well before (logging in to sshd takes a while on a
	// loaded machine); the others a short one that it must take once.
	const timeout, longTimeout = 1500 * time.Millisecond, 10 * time.Second
	tests := []struct {
		name, host string
		cfg        *vmconn.Config
		layer      alive.Layer
		summary    string                   // "" to skip the check
		outcomes   map[string]alive.Outcome // by target; some may be cancelled
		fast       bool                     // the verdict must come well before the timeout
	}{
		{"sshd", lab.SSH, cfg, alive.LayerSSH, "alive: ssh",
			map[string]alive.Outcome{"ssh/22": alive.Answered, "tcp/443": alive.Cancelled, "tcp/80": alive.Cancelled}, true},
		{"sshd ipv6", lab.SSH6, cfg, alive.LayerSSH, "alive: ssh",
			map[string]alive.Outcome{"ssh/22": alive.Answered}, true},
		{"sshd ipv6 brackets", "root@[" + lab.SSH6 + "]:22", cfg, alive.LayerSSH, "alive: ssh", nil, true},
		{"sshd wrong key", lab.SSH, &wrongKey, alive.LayerSSH, "alive: ssh (auth failed: authentication failed)",
			map[string]alive.Outcome{"ssh/22": alive.AuthFailed}, true},
		{"no listener", lab.Refuse, cfg, alive.LayerTCP, "",
			map[string]alive.Outcome{"ssh/22": alive.Refused}, true},
		{"ping only", lab.PingOnly, cfg, alive.LayerICMP, "alive: icmp",
			map[string]alive.Outcome{"ssh/22": alive.TimedOut, "tcp/22": alive.TimedOut, "tcp/443": alive.TimedOut, "icmp": alive.Answered}, false},
		{"only 443", lab.Only443, cfg, alive.LayerTCP, "alive: tcp (443 open)",
			map[string]alive.Outcome{"ssh/22": alive.TimedOut, "tcp/22": alive.TimedOut, "tcp/443": alive.Answered}, false},
		{"ping only ipv6", lab.PingOnly6, cfg, alive.LayerICMP, "alive: icmp",
			map[string]alive.Outcome{"ssh/22": alive.TimedOut, "tcp/22": alive.TimedOut, "tcp/443": alive.TimedOut, "icmp": alive.Answered}, false},
		{"only 443 ipv6", "[" + lab.Only4436 + "]", cfg, alive.LayerTCP, "alive: tcp (443 open)",
			map[string]alive.Outcome{"ssh/22": alive.TimedOut, "tcp/22": alive.TimedOut, "tcp/443": alive.Answered}, false},
		{"dead", lab.Dead, cfg, alive.LayerNone, "down",
			map[string]alive.Outcome{"ssh/22": alive.TimedOut, "tcp/22": alive.TimedOut, "tcp/443": alive.TimedOut, "tcp/80": alive.TimedOut, "icmp": alive.TimedOut}, false},
		{"dead ipv6", "[" + lab.Dead6 + "]", cfg, alive.LayerNone, "down", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			limit := timeout
			if tt.fast {
				limit = longTimeout
			}
			start := time.Now()
			res, err := alive.Check(context.Background(), tt.host, &alive.Options{Config: tt.cfg, Timeout: limit})
			took := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %s in %v", tt.host, res, took.Round(time.Millisecond))
			for _, l := range res.Layers {
				t.Logf("  %-8s %-13v %v %s", l.Target, l.Outcome, l.Latency.Round(time.Microsecond), l.Detail)
			}
			if res.Layer != tt.layer || res.Alive != (tt.layer != alive.LayerNone) {
				t.Errorf("verdict %s, want layer %v", res, tt.layer)
			}
			if tt.summary != "" && res.String() != tt.summary {
				t.Errorf("summary %q, want %q", res, tt.summary)
			}
			for target, want := range tt.outcomes {
				if got := layerOf(t, res, target); got.Outcome != want {
					t.Errorf("%s: %v (%s), want %v", target, got.Outcome, got.Detail, want)
				}
			}
			if tt.fast && took > limit/2 {
				t.Errorf("took %v: an answer at the top layer must not wait for the timeout %v", took, limit)
			}
			if !tt.fast && (took < timeout || took > timeout+time.Second) {
				t.Errorf("took %v, want the timeout %v once", took, timeout)
			}
		})
	}
	t.Run("unresolvable", func(t *testing.T) {
		t.Parallel()
		// No route leaves the lab: the DNS query fails before any packet is sent.
		_, err := alive.Check(context.Background(), "no-such-host.invalid", &alive.Options{Timeout: timeout})
		var op *vmconn.OpError
		if !errors.As(err, &op) || op.Op != "resolve" || !(errors.Is(err, vmconn.ErrUnreachable) || errors.Is(err, vmconn.ErrTimeout)) {
			t.Errorf("got %v, want a resolve error", err)
		}
	})
	t.Run("client keepalive", func(t *testing.T) {
		t.Parallel()
		c, err := vmconn.Dial(context.Background(), lab.SSH, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		res, err := alive.CheckClient(context.Background(), c, &alive.Options{Timeout: longTimeout})
		if err != nil || !res.Operational {
			t.Fatalf("got %v, %v; want operational", res, err)
		}
	})
	t.Run("wait", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if res, err := alive.Wait(ctx, lab.SSH, alive.LayerSSH, &alive.Options{Config: cfg, Timeout: longTimeout}); err != nil || !res.Operational {
			t.Errorf("Wait: %v, %v", res, err)
		}
	})
}

// newKeyFile makes an ed25519 key and writes it to dir in OpenSSH
// format.
func newKeyFile(t testing.TB, dir string) (ssh.Signer, string) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return signer, file
}
