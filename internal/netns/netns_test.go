//go:build linux

package netns_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/netns"
	"golang.org/x/crypto/ssh"
)

// serve accepts on ln until it is closed, closing each connection at
// once; the returned function waits for the loop to end.
func serve(t *testing.T, ln net.Listener) {
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
}

func dial(h *netns.Host, addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := h.Dial(ctx, "tcp", addr)
	if err == nil {
		c.Close()
	}
	return err
}

func TestHostsReachEachOther(t *testing.T) {
	lab := netns.NewLab(t)
	a, b := lab.AddHost("a", nil), lab.AddHost("b", nil)
	serve(t, b.Listen("tcp", ":80"))
	for _, ip := range []string{b.IPv4.String(), b.IPv6.String()} {
		if err := dial(a, net.JoinHostPort(ip, "80"), 2*time.Second); err != nil {
			t.Errorf("dial %s from a: %v", ip, err)
		}
	}
	if err := dial(a, net.JoinHostPort(b.IPv4.String(), "81"), 2*time.Second); !errors.Is(err, errRefused) {
		t.Errorf("closed port: got %v, want connection refused", err)
	}
}

func TestRulesets(t *testing.T) {
	lab := netns.NewLab(t)
	client := lab.AddHost("client", nil)
	tests := []struct {
		name, rules string
		port        int
		wantOpen    bool
	}{
		{"dropall", netns.DropAll, 80, false},
		{"droptcp", netns.DropTCP, 80, false},
		{"only443", netns.OnlyTCP(443), 443, true},
		{"only443-80", netns.OnlyTCP(443), 80, false},
		{"drop80", netns.DropTCPPorts(80), 80, false},
		{"drop80-443", netns.DropTCPPorts(80), 443, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := lab.AddHost(tt.name, &netns.HostOptions{Nft: tt.rules})
			serve(t, h.Listen("tcp", ":"+strconv.Itoa(tt.port)))
			for _, ip := range []string{h.IPv4.String(), h.IPv6.String()} {
				timeout := 500 * time.Millisecond // to tell a dropped SYN
				if tt.wantOpen {
					timeout = 5 * time.Second // generous on a loaded machine
				}
				err := dial(client, net.JoinHostPort(ip, strconv.Itoa(tt.port)), timeout)
				if tt.wantOpen && err != nil {
					t.Errorf("%s: %v, want open", ip, err)
				}
				if !tt.wantOpen && !isTimeout(err) {
					t.Errorf("%s: %v, want a timeout (dropped)", ip, err)
				}
			}
		})
	}
}

var errRefused = syscall.ECONNREFUSED

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

func TestCleanupRemovesEverything(t *testing.T) {
	var names []string
	var proc *netns.Process
	t.Run("lab", func(t *testing.T) {
		lab := netns.NewLab(t)
		h := lab.AddHost("h", nil)
		proc = h.Start("sleep", "300")
		for _, h := range lab.Hosts() {
			names = append(names, h.NS)
		}
	})
	for _, n := range names {
		if _, err := os.Stat("/run/netns/" + n); !os.IsNotExist(err) {
			t.Errorf("namespace %s still exists after cleanup (%v)", n, err)
		}
	}
	if proc == nil {
		t.Fatal("subtest did not start a process")
	}
	if done, _ := proc.Exited(); !done {
		t.Error("process started in the lab still runs after cleanup")
	}
}

func TestRemovesStaleNamespaces(t *testing.T) {
	netns.Require(t)
	stale := "vmconn-4194000-abcdef-stale" // a pid above any in use here
	if err := exec.Command("ip", "netns", "add", stale).Run(); err != nil {
		t.Fatalf("ip netns add: %v", err)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", stale).Run() })
	netns.NewLab(t)
	if _, err := os.Stat("/run/netns/" + stale); !os.IsNotExist(err) {
		t.Errorf("stale namespace %s was not removed", stale)
	}
}

func TestStartSSHD(t *testing.T) {
	lab := netns.NewLab(t)
	client, server := lab.AddHost("client", nil), lab.AddHost("sshd", nil)
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	sshd := server.StartSSHD(signer.PublicKey())
	for _, ip := range []string{server.IPv4.String(), server.IPv6.String()} {
		addr := net.JoinHostPort(ip, "22")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		nc, err := client.Dial(ctx, "tcp", addr)
		cancel()
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
		sc, chans, reqs, err := ssh.NewClientConn(nc, addr, &ssh.ClientConfig{
			User: "root", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
			HostKeyCallback: ssh.FixedHostKey(sshd.HostKey),
		})
		if err != nil {
			nc.Close()
			t.Fatalf("handshake %s: %v\nsshd:\n%s", addr, err, sshd.Output())
		}
		c := ssh.NewClient(sc, chans, reqs)
		s, err := c.NewSession()
		if err == nil {
			err = s.Run("true")
		}
		if err != nil {
			t.Errorf("run true over %s: %v", addr, err)
		}
		c.Close()
		_ = c.Wait()
	}
}
