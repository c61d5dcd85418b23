package main

import (
	"strings"
	"testing"
)

// TestOptionProxyCommand: -o sets a ProxyCommand for one call; the
// command's stderr reaches the CLI's; a directive vmconn does not apply
// is a usage error.
func TestOptionProxyCommand(t *testing.T) {
	srv, flags := cliServer(t)
	proxy := "ProxyCommand=sh -c 'echo via-proxy >&2; exec busybox nc %h %p'"
	args := append(append([]string{"exec", "-F", "none", "-o", proxy, "-o", "ConnectTimeout=5"}, flags...), srv.Addr(), "echo hi")
	stdout, stderr, code := cliRun(t, args...)
	if code != 0 || stdout != "hi\n" || !strings.Contains(stderr, "via-proxy") {
		t.Fatalf("code %d stdout %q stderr %q", code, stdout, stderr)
	}
	args = append(append([]string{"exec", "-F", "none", "-o", "Ciphers=aes128-ctr"}, flags...), srv.Addr(), "true")
	if _, stderr, code := cliRun(t, args...); code != 2 || !strings.Contains(stderr, "Ciphers") {
		t.Errorf("-o Ciphers: code %d stderr %q", code, stderr)
	}
}
