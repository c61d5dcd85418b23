package sshconfig_test

import (
	"context"
	"crypto/sha1" //nolint:gosec // checks OpenSSH's %C
	"encoding/hex"
	"errors"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/sshconfig"
)

// scFixture writes an ssh_config with an included file into a
// temporary directory and returns the main file and the directory.
func scFixture(t *testing.T) (file, dir string) {
	t.Helper()
	dir = t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(text, "DIR", dir)), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("included.conf", `
Host db-*
  HostName %h.db.internal
  User dbadmin
  Port 5022
`)
	file = write("config", `
# aliases, tokens, Include, and a catch-all at the end
Include DIR/included.conf

Host web web2
  HostName %h.example.internal
  User deploy
  Port 2222
  IdentityFile DIR/key_%h_%r_%p
  IdentityFile DIR/missing_key
  UserKnownHostsFile ~/.ssh/kh_%n DIR/kh_%h
  StrictHostKeyChecking accept-new
  ConnectTimeout 7
  ServerAliveInterval 5
  ServerAliveCountMax 2

Host bastion
  HostName 192.0.2.10
  User jumper

Host inner
  HostName 10.1.2.3
  ProxyJump bastion,ops@hop2:2201

Host hop2
  ProxyJump never-used

Host lax
  StrictHostKeyChecking no
  UserKnownHostsFile none
  ServerAliveInterval 0
  HostKeyAlias other
  Ciphers aes128-ctr
  ForwardAgent yes

Host proxied
  ProxyCommand nc %h %p

Host *
  User fallback
  IdentitiesOnly yes
`)
	return file, dir
}

func scLoad(t *testing.T) (*sshconfig.Config, string, string) {
	t.Helper()
	file, dir := scFixture(t)
	sc, err := sshconfig.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	return sc, file, dir
}

func scResolve(t *testing.T, sc *sshconfig.Config, dest string, base *vmconn.Config) *sshconfig.Resolved {
	t.Helper()
	r, err := sc.Resolve(dest, base)
	if err != nil {
		t.Fatalf("Resolve(%q): %v", dest, err)
	}
	return r
}

func TestAliasesAndTokens(t *testing.T) {
	t.Parallel()
	sc, _, dir := scLoad(t)
	key := filepath.Join(dir, "key_web2.example.internal_deploy_2222")
	testkit.WriteKeyFile(t, key)
	r := scResolve(t, sc, "web2", nil)
	c := r.Config
	if r.Addr != "web2.example.internal:2222" || c.User != "deploy" || c.Port != 2222 {
		t.Errorf("Addr %q, User %q, Port %d", r.Addr, c.User, c.Port)
	}
	if !slices.Equal(c.IdentityFiles, []string{key}) {
		t.Errorf("IdentityFiles = %q, want only %q (the missing one skipped)", c.IdentityFiles, key)
	}
	wantKH := []string{filepath.Join(scHomeDir(t), ".ssh", "kh_web2"), filepath.Join(dir, "kh_web2.example.internal")}
	if !slices.Equal(c.KnownHostsFiles, wantKH) {
		t.Errorf("KnownHostsFiles = %q, want %q", c.KnownHostsFiles, wantKH)
	}
	if c.HostKeyMode != vmconn.HostKeyAcceptNew || c.ConnectTimeout != 7*time.Second ||
		c.KeepaliveInterval != 5*time.Second || c.KeepaliveCountMax != 2 || !c.IdentitiesOnly {
		t.Errorf("mode %v, timeout %v, keepalive %v x%d, IdentitiesOnly %v", c.HostKeyMode, c.ConnectTimeout, c.KeepaliveInterval, c.KeepaliveCountMax, c.IdentitiesOnly)
	}
	if len(r.Jumps) != 0 || len(r.Warnings) != 0 {
		t.Errorf("Jumps %v, Warnings %q", r.Jumps, r.Warnings)
	}
}

func TestInclude(t *testing.T) {
	t.Parallel()
	sc, _, _ := scLoad(t)
	r := scResolve(t, sc, "db-7", nil)
	if r.Addr != "db-7.db.internal:5022" || r.Config.User != "dbadmin" {
		t.Errorf("Addr %q, User %q", r.Addr, r.Config.User)
	}
	r = scResolve(t, sc, "unlisted.example", nil) // only Host * applies
	if r.Addr != "unlisted.example:22" || r.Config.User != "fallback" {
		t.Errorf("Addr %q, User %q", r.Addr, r.Config.User)
	}
}

func TestOverrides(t *testing.T) {
	t.Parallel()
	sc, _, dir := scLoad(t)
	explicitKey := filepath.Join(dir, "explicit")
	base := &vmconn.Config{
		IdentityFiles:     []string{explicitKey},
		KnownHostsFiles:   []string{"/explicit/known_hosts"},
		HostKeyMode:       vmconn.HostKeyInsecureIgnore,
		ConnectTimeout:    time.Second,
		KeepaliveInterval: time.Minute,
		KeepaliveCountMax: 9,
	}
	r := scResolve(t, sc, "alice@web:2022", base)
	c := r.Config
	if r.Addr != "web.example.internal:2022" || c.User != "alice" || c.Port != 2022 {
		t.Errorf("destination's user and port must win: Addr %q, User %q", r.Addr, c.User)
	}
	if !slices.Equal(c.IdentityFiles, base.IdentityFiles) || !slices.Equal(c.KnownHostsFiles, base.KnownHostsFiles) ||
		c.HostKeyMode != base.HostKeyMode || c.ConnectTimeout != time.Second ||
		c.KeepaliveInterval != time.Minute || c.KeepaliveCountMax != 9 {
		t.Errorf("explicit fields must win: %+v", c)
	}
	r = scResolve(t, sc, "alice@web", &vmconn.Config{User: "carol", Port: 2400})
	if r.Config.User != "carol" || r.Addr != "web.example.internal:2400" {
		t.Errorf("Config.User and Port win over the file (as ssh -l, -p): %q %q", r.Config.User, r.Addr)
	}
	if base.User != "" || base.Port != 0 {
		t.Error("Resolve modified the caller's Config")
	}
}

func TestInsecureAndWarnings(t *testing.T) {
	t.Parallel()
	sc, _, _ := scLoad(t)
	r := scResolve(t, sc, "lax", nil)
	c := r.Config
	if c.HostKeyMode != vmconn.HostKeyInsecureIgnore || !slices.Equal(c.KnownHostsFiles, []string{os.DevNull}) || c.KeepaliveInterval >= 0 {
		t.Errorf("mode %v, known hosts %q, keepalive %v", c.HostKeyMode, c.KnownHostsFiles, c.KeepaliveInterval)
	}
	all := strings.Join(r.Warnings, "\n")
	for _, want := range []string{"StrictHostKeyChecking no", "HostKeyAlias other", "Ciphers aes128-ctr"} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings %q lack %q", r.Warnings, want)
		}
	}
	if !r.ForwardAgent {
		t.Error("ForwardAgent yes not reported")
	}
}

func TestProxyCommandMapped(t *testing.T) {
	t.Parallel()
	sc, _, _ := scLoad(t)
	r := scResolve(t, sc, "proxied", nil)
	if r.ProxyCommand == nil || r.ProxyCommand.Command != "nc proxied 22" || r.Config.DialContext == nil {
		t.Fatalf("ProxyCommand = %+v, DialContext set %v", r.ProxyCommand, r.Config.DialContext != nil)
	}
	r = scResolve(t, sc, "proxied", &vmconn.Config{DialContext: scNoDial})
	if r.ProxyCommand != nil || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "ProxyCommand") {
		t.Errorf("with DialContext, want one warning and no command: %q", r.Warnings)
	}
}

func TestProxyJump(t *testing.T) {
	t.Parallel()
	sc, _, _ := scLoad(t)
	r := scResolve(t, sc, "inner", &vmconn.Config{User: "me", Password: "target-only"})
	var got []string
	for _, j := range r.Jumps {
		got = append(got, j.Config.User+"@"+j.Addr)
		if j.Config.Password != "" {
			t.Errorf("hop %s got the target's password", j.Addr)
		}
	}
	// bastion's alias resolves through the file; hop2's own ProxyJump is
	// ignored, as ssh -J a,b ignores b's.
	want := []string{"jumper@192.0.2.10:22", "ops@hop2:2201"}
	if !slices.Equal(got, want) || r.Addr != "10.1.2.3:22" || r.Config.User != "me" {
		t.Errorf("hops %q (want %q), addr %q, user %q", got, want, r.Addr, r.Config.User)
	}
}

func TestJumpLoop(t *testing.T) {
	t.Parallel()
	sc, err := sshconfig.Parse([]byte("Host a\n ProxyJump b\nHost b\n ProxyJump a\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Resolve("a", nil); !errors.Is(err, vmconn.ErrConfig) || !strings.Contains(err.Error(), "loop") {
		t.Fatalf("ProxyJump loop: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		"Host x\n Port 99999\n",
		"Host x\n StrictHostKeyChecking maybe\n",
		"Host x\n ConnectTimeout soon\n",
		"Host x\n IdentityFile %z\n",
		"Host x\n ProxyJump a,,b\n",
		"Match exec \"true\"\n User x\n",
	} {
		sc, err := sshconfig.Parse([]byte(text))
		if err == nil {
			_, err = sc.Resolve("x", nil)
		}
		if !errors.Is(err, vmconn.ErrConfig) {
			t.Errorf("%q: err = %v, want ErrConfig", text, err)
		}
	}
	sc, err := sshconfig.Load(filepath.Join(t.TempDir(), "none"))
	if !errors.Is(err, vmconn.ErrConfig) || sc != nil {
		t.Errorf("missing explicit file: %v", err)
	}
}

// TestSSHConfigMatchesOpenSSH compares the mapping with what ssh -G
// prints for the same file and destinations.
func TestMatchesOpenSSH(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("ssh not installed")
	}
	sc, file, _ := scLoad(t)
	for _, dest := range []string{"web", "alice@web2:2022", "db-1", "bastion", "inner", "lax", "plain.example"} {
		r := scResolve(t, sc, dest, nil)
		g := scSSHG(t, file, dest)
		want := g["hostname"] + ":" + g["port"]
		if r.Addr != want || r.Config.User != g["user"] {
			t.Errorf("%s: vmconn %s@%s, ssh -G %s@%s", dest, r.Config.User, r.Addr, g["user"], want)
		}
		if kh := g["userknownhostsfile"]; len(r.Config.KnownHostsFiles) > 0 && strings.Join(r.Config.KnownHostsFiles, " ") != strings.ReplaceAll(kh, "none", os.DevNull) {
			t.Errorf("%s: known hosts %q, ssh -G %q", dest, r.Config.KnownHostsFiles, kh)
		}
		if n, _ := strconv.Atoi(g["serveraliveinterval"]); n > 0 && r.Config.KeepaliveInterval != time.Duration(n)*time.Second {
			t.Errorf("%s: keepalive %v, ssh -G %s", dest, r.Config.KeepaliveInterval, g["serveraliveinterval"])
		}
		if pj := g["proxyjump"]; pj != "" && len(r.Jumps) != strings.Count(pj, ",")+1 {
			t.Errorf("%s: %d hops, ssh -G proxyjump %q", dest, len(r.Jumps), pj)
		}
	}
}

// TestSSHConfigConnectionHash checks %C against OpenSSH's ControlPath.
func TestConnectionHash(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "config")
	text := "Host h\n HostName real.example\n User u\n Port 2022\n UserKnownHostsFile " + dir + "/%C\n"
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	sc, err := sshconfig.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	r := scResolve(t, sc, "h", nil)
	local, _ := os.Hostname()
	sum := sha1.Sum([]byte(local + "real.example2022u")) //nolint:gosec // OpenSSH's %C
	want := filepath.Join(dir, hex.EncodeToString(sum[:]))
	if r.Config.KnownHostsFiles[0] != want {
		t.Errorf("%%C gave %q, want %q", r.Config.KnownHostsFiles[0], want)
	}
	if _, err := exec.LookPath("ssh"); err == nil {
		if g := scSSHG(t, file, "h"); g["userknownhostsfile"] != want {
			t.Errorf("ssh -G says %q", g["userknownhostsfile"])
		}
	}
}

// sshG runs ssh -G and returns its settings, the first value of each.
func scSSHG(t *testing.T, file, dest string) map[string]string {
	t.Helper()
	out, err := exec.Command("ssh", "-G", "-F", file, "ssh://"+dest).Output()
	if err != nil {
		t.Fatalf("ssh -G %s: %v", dest, err)
	}
	m := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		k, v, _ := strings.Cut(line, " ")
		if _, seen := m[k]; !seen {
			m[k] = v
		}
	}
	return m
}

func scHomeDir(t *testing.T) string {
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u.HomeDir
}

// scNoDial is a DialContext that never connects.
func scNoDial(context.Context, string, string) (net.Conn, error) {
	return nil, errors.New("scNoDial")
}

// TestJumpErrorPrefixOnce: a hop that does not resolve is named, and the
// message says "vmconn: " once.
func TestJumpErrorPrefixOnce(t *testing.T) {
	t.Parallel()
	sc, err := sshconfig.Parse([]byte("Host a\n ProxyJump b\nHost b\n Port 99999\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = sc.Resolve("a", nil)
	if !errors.Is(err, vmconn.ErrConfig) || !strings.HasPrefix(err.Error(), "vmconn: jump host b: ") ||
		strings.Count(err.Error(), "vmconn: ") != 1 {
		t.Errorf("err = %v", err)
	}
}
