package main

import (
	"net"
	"os"
	"strings"
	"testing"
)

func TestExecExitStatus(t *testing.T) {
	srv, flags := cliServer(t)
	tests := []struct {
		command  []string
		code     int
		stdout   string
		inStderr string
	}{
		{[]string{"echo", "hi"}, 0, "hi\n", ""},
		{[]string{"echo out; echo err >&2; exit 3"}, 3, "out\n", "err"},
		{[]string{"kill -TERM $$"}, 143, "", "signal TERM"},
		{[]string{"--", "printf", "%s", "a b"}, 0, "ab", ""}, // words joined with spaces, as ssh
	}
	for _, tt := range tests {
		args := append(append([]string{"exec", "-n"}, flags...), srv.Addr())
		stdout, stderr, code := cliRun(t, append(args, tt.command...)...)
		if code != tt.code || stdout != tt.stdout || !strings.Contains(stderr, tt.inStderr) {
			t.Errorf("exec %q: code %d stdout %q stderr %q; want %d %q %q", tt.command, code, stdout, stderr, tt.code, tt.stdout, tt.inStderr)
		}
	}
}

func TestExecConnectionFailures(t *testing.T) {
	srv, flags := cliServer(t)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()
	tests := []struct {
		args     []string
		code     int
		inStderr string
	}{
		{append(append([]string{"exec"}, flags...), closed, "true"), 255, "host unreachable"},
		{[]string{"exec", "--known-hosts", "/dev/null", "-i", flags[1], srv.Addr(), "true"}, 255, "host key unknown"},
		{append(append([]string{"exec"}, flags...), "host:99999", "true"), 2, "out of range"},
		{append(append([]string{"exec", "--accept-new", "--insecure-ignore-host-key"}, flags...), srv.Addr(), "true"), 2, "exclude"},
		{append(append([]string{"exec", "--connect-timeout", "0s"}, flags...), srv.Addr(), "true"), 2, "positive"},
		{append(append([]string{"exec", "--password-env", "VMCONN_NOT_SET_ANYWHERE"}, flags...), srv.Addr(), "true"), 2, "not set"},
		{[]string{"exec", srv.Addr()}, 2, "vmconn shell host"},
		{[]string{"exec", "-t", srv.Addr()}, 2, "give a command"},
		{append(append([]string{"exec", "-i", "/nonexistent/key"}, flags[2:]...), srv.Addr(), "true"), 2, "cannot read"},
	}
	for _, tt := range tests {
		_, stderr, code := cliRun(t, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.inStderr) {
			t.Errorf("%q: code %d stderr %q; want %d containing %q", tt.args, code, stderr, tt.code, tt.inStderr)
		}
	}
}

func TestExecJSON(t *testing.T) {
	srv, flags := cliServer(t)
	args := append(append([]string{"exec", "--json"}, flags...), srv.Addr(), "echo out; echo err >&2; exit 4")
	stdout, _, code := cliRun(t, args...)
	objs, streams := parseJSONLines(t, stdout)
	end := lastEnd(t, objs)
	if code != 4 || end.ExitStatus != 4 || streams[srv.Addr()+" stdout"] != "out\n" || streams[srv.Addr()+" stderr"] != "err\n" || end.Host != srv.Addr() {
		t.Errorf("code %d, %q", code, stdout)
	}
}

func TestExecManyHosts(t *testing.T) {
	srv, flags := cliServer(t)
	other, otherFlags := cliServer(t)
	other.AddAuthorizedKey(srv.ClientSigner().PublicKey())
	known := t.TempDir() + "/known"
	a, _ := os.ReadFile(flags[3])
	b, _ := os.ReadFile(otherFlags[3])
	os.WriteFile(known, append(a, b...), 0o600)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()
	hostsFile := t.TempDir() + "/hosts"
	os.WriteFile(hostsFile, []byte("# fleet\n"+other.Addr()+"\n\n"+closed+" # down\n"), 0o600)
	base := []string{"exec", "-i", flags[1], "--known-hosts", known, "-H", srv.Addr(), "--hosts-file", hostsFile}
	stdout, stderr, code := cliRun(t, append(base, "echo hello")...)
	if code != 1 || !strings.Contains(stdout, srv.Addr()+": hello\n") || !strings.Contains(stdout, other.Addr()+": hello\n") ||
		!strings.Contains(stderr, "2 ok, 0 failed, 1 unreachable") {
		t.Errorf("code %d\nstdout %q\nstderr %q", code, stdout, stderr)
	}
	stdout, _, code = cliRun(t, "exec", "-i", flags[1], "--known-hosts", known, "-H", srv.Addr()+","+other.Addr(), "--json", "exit 0")
	if lines := strings.Split(strings.TrimSpace(stdout), "\n"); code != 0 || len(lines) != 2 || !strings.Contains(lines[0], `"class":"ok"`) {
		t.Errorf("json: code %d %q", code, stdout)
	}
	_, stderr, code = cliRun(t, "exec", "-H", "host:0", "true")
	if code != 2 || !strings.Contains(stderr, "out of range") {
		t.Errorf("bad host: %d %q", code, stderr)
	}
	_, stderr, code = cliRun(t, "exec", "-H", srv.Addr(), "--parallel", "0", "true")
	if code != 2 || !strings.Contains(stderr, "parallel") {
		t.Errorf("bad --parallel: %d %q", code, stderr)
	}
}
