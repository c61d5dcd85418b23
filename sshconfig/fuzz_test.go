package sshconfig_test

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/sshconfig"
)

// FuzzResolve feeds any file content and destination through Parse and
// Resolve: no panic, every error an ErrConfig, and every result a Config
// that Dial can use.
func FuzzResolve(f *testing.F) {
	f.Add("Host web\n HostName %h.example\n User u\n Port 2222\n", "web")
	f.Add("Host *\n IdentityFile ~/.ssh/id_%r@%h:%p\n UserKnownHostsFile \"/a b\" /c\n", "x@y:1")
	f.Add("Host a\n ProxyJump b,ssh://u@c:2\nHost b\n ProxyJump a\n", "a")
	f.Add("Host x\n StrictHostKeyChecking accept-new\n ServerAliveInterval 0\n ServerAliveCountMax 0\n", "x")
	f.Add("Match host x\n ConnectTimeout 3\n ProxyCommand nc %h %p\n", "x")
	f.Fuzz(func(t *testing.T, text, dest string) {
		if strings.Contains(strings.ToLower(text), "include") {
			t.Skip("Include reads files outside the input")
		}
		sc, err := sshconfig.Parse([]byte(text))
		if err != nil {
			if !errors.Is(err, vmconn.ErrConfig) {
				t.Fatalf("parse error without ErrConfig: %v", err)
			}
			return
		}
		r, err := sc.Resolve(dest, nil)
		if err != nil {
			if !errors.Is(err, vmconn.ErrConfig) {
				t.Fatalf("resolve error without ErrConfig: %v", err)
			}
			return
		}
		checkResolved(t, r)
		for _, j := range r.Jumps {
			if j.Config == nil || j.Config.Password != "" {
				t.Fatalf("hop %q: config %+v", j.Addr, j.Config)
			}
			if _, err := vmconn.ParseTarget(j.Addr); err != nil {
				t.Fatalf("hop address %q: %v", j.Addr, err)
			}
		}
	})
}

// checkResolved checks the invariants of a resolved destination.
func checkResolved(t *testing.T, r *sshconfig.Resolved) {
	t.Helper()
	c := r.Config
	host, port, err := net.SplitHostPort(r.Addr)
	if err != nil || host == "" || port != strconv.Itoa(c.Port) {
		t.Fatalf("Addr %q, Port %d: %v", r.Addr, c.Port, err)
	}
	if c.Port < 1 || c.Port > 65535 || c.User == "" {
		t.Fatalf("Port %d, User %q", c.Port, c.User)
	}
	if c.ConnectTimeout < 0 || c.KeepaliveCountMax < 0 {
		t.Fatalf("ConnectTimeout %v, KeepaliveCountMax %d", c.ConnectTimeout, c.KeepaliveCountMax)
	}
	switch c.HostKeyMode {
	case vmconn.HostKeyStrict, vmconn.HostKeyAcceptNew:
	case vmconn.HostKeyInsecureIgnore:
		if len(r.Warnings) == 0 {
			t.Fatal("insecure host key mode without a warning")
		}
	default:
		t.Fatalf("HostKeyMode %v", c.HostKeyMode)
	}
}
