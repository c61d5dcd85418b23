package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/sshdtest"
	"github.com/vmconn/vmconn/vmtest"
)

// cliFleet starts n vmtest servers that accept the first one's client
// key, and returns them, the key file and a known_hosts file with every
// host key.
func cliFleet(t *testing.T, n int) (srvs []*vmtest.Server, keyFile, known string) {
	t.Helper()
	var keys []byte
	for i := range n {
		srv := vmtest.NewServer()
		t.Cleanup(srv.Close)
		if i > 0 {
			srv.AddAuthorizedKey(srvs[0].ClientSigner().PublicKey())
		}
		b, err := os.ReadFile(srv.KnownHostsFile())
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, b...)
		srvs = append(srvs, srv)
	}
	known = filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(known, keys, 0o600); err != nil {
		t.Fatal(err)
	}
	return srvs, srvs[0].ClientKeyFile(), known
}

// aliasConfig writes an ssh_config that names jump "jump" and each target
// "hN", with the key and known_hosts file in it, and returns its path;
// with proxyJump, the targets go through the jump host.
func aliasConfig(t *testing.T, jump *vmtest.Server, targets []*vmtest.Server, keyFile, known string, proxyJump bool) string {
	t.Helper()
	var b strings.Builder
	if proxyJump {
		b.WriteString("Host h*\n  ProxyJump jump\n")
	}
	fmt.Fprintf(&b, "Host *\n  HostName 127.0.0.1\n  IdentityFile %s\n  UserKnownHostsFile %s\n", keyFile, known)
	fmt.Fprintf(&b, "Host jump\n  Port %d\n", jump.Port())
	for i, srv := range targets {
		fmt.Fprintf(&b, "Host h%d\n  Port %d\n", i, srv.Port())
	}
	file := filepath.Join(t.TempDir(), "ssh_config")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// aliases returns "h0,...,h(n-1)".
func aliases(n int) string {
	var names []string
	for i := range n {
		names = append(names, fmt.Sprintf("h%d", i))
	}
	return strings.Join(names, ",")
}

// TestExecManyAliasesThroughJump: 50 hosts named by ssh_config aliases
// (each its own port; key and known_hosts from the file), all through a
// jump host (ProxyJump in the file, or -J): each alias reaches its own
// machine, and with the jump host down none is reached.
func TestExecManyAliasesThroughJump(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	const n = 50
	srvs, key, known := cliFleet(t, n+1)
	jump, targets := srvs[0], srvs[1:]
	viaFile := aliasConfig(t, jump, targets, key, known, true)
	base := []string{"exec", "--json", "--parallel", "10", "--connect-timeout", "60s"}
	stdout, stderr, code := cliRun(t, append(base, "-F", viaFile, "-H", aliases(n), "echo $VMTEST_BOOT_ID")...)
	objs, streams := parseJSONLines(t, stdout)
	ends := 0
	for _, o := range objs {
		if o.Type == "end" {
			ends++
			if o.Class != "ok" || o.ExitStatus != 0 || o.DurationMS <= 0 {
				t.Errorf("end %+v", o)
			}
		}
	}
	for i, srv := range targets {
		if got := streams[fmt.Sprintf("h%d stdout", i)]; got != srv.BootID()+"\n" {
			t.Errorf("h%d printed %q; want its own boot id %s", i, got, srv.BootID())
		}
	}
	if code != 0 || ends != n || !strings.Contains(stderr, "50 ok, 0 failed, 0 unreachable") {
		t.Errorf("code %d, %d end objects, stderr %q", code, ends, stderr)
	}

	plainFile := aliasConfig(t, jump, targets, key, known, false)
	stdout, _, code = cliRun(t, "exec", "-F", plainFile, "-J", "jump", "-H", "h0,h7,h49", "echo $VMTEST_BOOT_ID")
	if code != 0 || !strings.Contains(stdout, "h49: "+targets[49].BootID()+"\n") {
		t.Errorf("-J: code %d stdout %q", code, stdout)
	}
	jump.StopListening()
	for _, args := range [][]string{{"-F", viaFile}, {"-F", plainFile, "-J", "jump"}} {
		_, stderr, code = cliRun(t, append(append([]string{"exec"}, args...), "-H", "h0,h1", "true")...)
		if code != 1 || !strings.Contains(stderr, "0 ok, 0 failed, 2 unreachable") {
			t.Errorf("jump host down, %v: code %d stderr %q", args, code, stderr)
		}
	}
}

// TestExecManyStreamsResults: a host's end is printed as soon as it ends,
// while a slow host still runs: the slow host's command waits until the
// fast host's end object was printed.
func TestExecManyStreamsResults(t *testing.T) {
	t.Parallel()
	srvs, key, known := cliFleet(t, 2)
	fast, slow := srvs[0], srvs[1]
	release := filepath.Join(t.TempDir(), "release")
	cmd := fmt.Sprintf(`[ "$VMTEST_BOOT_ID" = %s ] || exit 3; i=0; while [ ! -e %s ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done; [ -e %[2]s ]`,
		slow.BootID(), release)
	out := &lockedBuffer{when: `"type":"end","host":"` + fast.Addr() + `"`, do: func() { os.WriteFile(release, nil, 0o600) }}
	stdout, stderr, code := cliRunWith(t, out, "exec", "--json", "-i", key, "--known-hosts", known, "-H", slow.Addr()+","+fast.Addr(), cmd)
	objs, _ := parseJSONLines(t, stdout)
	if len(objs) != 2 || objs[0].Host != fast.Addr() || objs[0].Class != "failed" || objs[1].Host != slow.Addr() || objs[1].Class != "ok" {
		t.Errorf("end objects %+v", objs)
	}
	if code != 1 || !strings.Contains(stderr, "1 ok, 1 failed") {
		t.Errorf("code %d stderr %q", code, stderr)
	}
	// Without --json, the fast host's line comes as it ends too.
	os.Remove(release)
	errOut := &lockedBuffer{when: fast.Addr() + ": command exited with status 3\n", do: func() { os.WriteFile(release, nil, 0o600) }}
	root := newRootCmd()
	root.SetArgs([]string{"exec", "-i", key, "--known-hosts", known, "-H", slow.Addr() + "," + fast.Addr(), cmd})
	root.SetOut(&lockedBuffer{})
	root.SetErr(errOut)
	code = exitCodeTo(errOut, root.ExecuteContext(testCtx(t)))
	if code != 1 || !strings.Contains(errOut.String(), "1 ok, 1 failed") {
		t.Errorf("text: code %d stderr %q", code, errOut.String())
	}
}

// testCtx is a context that ends after a minute or at cleanup.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestExecManySudo: --sudo applies to every host of exec -H.
func TestExecManySudo(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{PasswordUser: true, HostKeyTypes: []string{"ed25519"}})
	file := filepath.Join("/etc/sudoers.d", s.User)
	os.WriteFile(file, []byte(s.User+" ALL=(ALL) ALL\n"), 0o440)
	t.Cleanup(func() { os.Remove(file) })
	t.Setenv("VMCONN_T_SUDO_PW", s.Password)
	args := []string{"-F", "none", "-i", s.ClientKeyFile, "--known-hosts", s.KnownHostsFile, "-p", strconv.Itoa(s.Port), "-l", s.User}
	stdout, stderr, code := cliRun(t, append(args, "exec", "--sudo-password-env", "VMCONN_T_SUDO_PW", "-H", s.Host+","+s.Host, "id -u")...)
	if code != 0 || stdout != s.Host+": 0\n"+s.Host+": 0\n" {
		t.Errorf("exec -H --sudo: code %d stdout %q stderr %q", code, stdout, stderr)
	}
}

// TestExecManyHostKeyHintOnce: a host whose key is unknown says how to
// proceed, once, and is class auth.
func TestExecManyHostKeyHintOnce(t *testing.T) {
	t.Parallel()
	srvs, key, _ := cliFleet(t, 1)
	empty := filepath.Join(t.TempDir(), "known_hosts")
	stdout, stderr, code := cliRun(t, "exec", "-i", key, "--known-hosts", empty, "-H", srvs[0].Addr(), "true")
	if code != 1 || strings.Count(stderr, "--accept-new") != 1 || !strings.Contains(stderr, "1 refused or in error") {
		t.Errorf("code %d stdout %q stderr %q", code, stdout, stderr)
	}
}
