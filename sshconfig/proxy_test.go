package sshconfig_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/sshdtest"
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/sshconfig"
)

// TestProxyPrecedence: of ProxyJump and ProxyCommand, the first the file
// gives applies ("none" included), as in OpenSSH; tokens are expanded.
func TestProxyPrecedence(t *testing.T) {
	t.Parallel()
	sc, err := sshconfig.Parse([]byte(`
Host cmdfirst
  User u
  Port 2200
  ProxyCommand connect %r@%h:%p via %n 100%%
  ProxyJump j1
Host jumpfirst
  ProxyJump j2
  ProxyCommand never
Host nonefirst
  ProxyCommand none
Host badtoken
  ProxyCommand nc %d
Host other nonefirst
  ProxyJump j3
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ host, cmd, jumps string }{
		{"cmdfirst", "connect u@cmdfirst:2200 via cmdfirst 100%", ""},
		{"jumpfirst", "", "j2:22"},
		{"nonefirst", "", ""},
		{"other", "", "j3:22"},
	} {
		r, err := sc.Resolve(tc.host, &vmconn.Config{User: "u"})
		if err != nil {
			t.Fatalf("%s: %v", tc.host, err)
		}
		var cmd string
		if r.ProxyCommand != nil {
			cmd = r.ProxyCommand.Command
		}
		var jumps []string
		for _, j := range r.Jumps {
			jumps = append(jumps, strings.TrimPrefix(j.Addr, "u@"))
		}
		if cmd != tc.cmd || strings.Join(jumps, ",") != tc.jumps || (cmd != "") != (r.Config.DialContext != nil) {
			t.Errorf("%s: command %q, jumps %q; want %q, %q", tc.host, cmd, jumps, tc.cmd, tc.jumps)
		}
	}
	if _, err := sc.Resolve("badtoken", nil); !errors.Is(err, vmconn.ErrConfig) || !strings.Contains(err.Error(), "%d") {
		t.Errorf("ProxyCommand with %%d: %v", err)
	}
}

// TestProxyCommandDialSSHD: a ProxyCommand from the file relays to real
// sshd (busybox nc), its stderr goes where the caller says, and it runs
// again for the reconnection after the connection was cut.
func TestProxyCommandDialSSHD(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{HostKeyTypes: []string{"ed25519"}})
	runs := filepath.Join(t.TempDir(), "runs")
	conf := fmt.Sprintf("Host vm\n  HostName %s\n  Port %d\n  User %s\n  IdentityFile %s\n  UserKnownHostsFile %s\n  IdentitiesOnly yes\n"+
		"  ProxyCommand sh -c 'echo %%n >> %s; echo relay-stderr >&2; exec busybox nc %%h %%p'\n",
		s.Host, s.Port, s.User, s.ClientKeyFile, s.KnownHostsFile, runs)
	sc, err := sshconfig.Parse([]byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	r, err := sc.Resolve("vm", &vmconn.Config{NoAgent: true})
	if err != nil {
		t.Fatal(err)
	}
	var stderr testkit.Buffer
	r.ProxyCommand.Stderr = &stderr
	ctx := testkit.Ctx(t)
	c, err := r.Dial(ctx)
	if err != nil {
		t.Fatalf("Dial: %v\nsshd log:\n%s", err, s.Logs())
	}
	defer c.Close()
	echo(ctx, t, c, "one")
	s.KillConnections(t)
	echo(ctx, t, c, "two")
	if b, _ := os.ReadFile(runs); string(b) != "vm\nvm\n" {
		t.Errorf("runs %q, want the command run twice with %%n = vm", b)
	}
	if !strings.Contains(stderr.String(), "relay-stderr") {
		t.Errorf("stderr %q", stderr.String())
	}
}

func echo(ctx context.Context, t *testing.T, c *vmconn.Client, word string) {
	t.Helper()
	if out, err := c.Output(ctx, "echo "+word); err != nil || string(out) != word+"\n" {
		t.Fatalf("Output = %q, %v", out, err)
	}
}

// TestCertificateFile: CertificateFile is expanded and mapped; missing
// files are skipped; the caller's CertificateFiles win.
func TestCertificateFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert := filepath.Join(dir, "vm-cert.pub")
	if err := os.WriteFile(cert, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	sc, err := sshconfig.Parse([]byte("Host vm\n  CertificateFile " + filepath.Join(dir, "%n-cert.pub") + "\n  CertificateFile " + filepath.Join(dir, "missing") + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := sc.Resolve("vm", nil)
	if err != nil || len(r.Config.CertificateFiles) != 1 || r.Config.CertificateFiles[0] != cert || len(r.Warnings) != 0 {
		t.Fatalf("CertificateFiles %q, warnings %q, %v", r.Config.CertificateFiles, r.Warnings, err)
	}
	r, err = sc.Resolve("vm", &vmconn.Config{CertificateFiles: []string{"mine"}})
	if err != nil || len(r.Config.CertificateFiles) != 1 || r.Config.CertificateFiles[0] != "mine" {
		t.Fatalf("caller's CertificateFiles lost: %q, %v", r.Config.CertificateFiles, err)
	}
}
