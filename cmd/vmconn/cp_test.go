package main

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/sshdtest"
	"github.com/vmconn/vmconn/transfer"
)

func TestCpParseOperand(t *testing.T) {
	tests := []struct{ in, host, path string }{
		{"host:path", "host", "path"},
		{"user@host:/abs/p", "user@host", "/abs/p"},
		{"host:", "host", "."},
		{"[::1]:x", "[::1]", "x"},
		{"u@[fe80::1]:/a b", "u@[fe80::1]", "/a b"},
		{"/local/a:b", "", "/local/a:b"},
		{"./a:b", "", "./a:b"},
		{"plain", "", "plain"},
		{":leading", "", ":leading"},
		{"[h]:2222:/p", "[h]:2222", "/p"},
		{"u@[::1]:22:x:y", "u@[::1]:22", "x:y"},
		{"[::1]:0x:p", "[::1]", "0x:p"},
	}
	for _, tt := range tests {
		if got := parseOperand(tt.in); got.host != tt.host || got.path != tt.path {
			t.Errorf("parseOperand(%q) = %+v; want host %q path %q", tt.in, got, tt.host, tt.path)
		}
	}
}

func TestCpRefusesHostPortPath(t *testing.T) {
	_, _, err := cpDirection([]operand{parseOperand("a")}, parseOperand("u@h:2222:/p"))
	if err == nil || !strings.Contains(err.Error(), "write u@[h]:2222:/p for port 2222,") {
		t.Errorf("host:port:path: %v", err)
	}
}

func TestCpDirection(t *testing.T) {
	op := parseOperand
	if _, _, err := cpDirection([]operand{op("a")}, op("b")); err == nil {
		t.Error("local to local accepted")
	}
	if _, _, err := cpDirection([]operand{op("h:a")}, op("g:b")); err == nil {
		t.Error("remote to remote accepted")
	}
	if _, _, err := cpDirection([]operand{op("h:a"), op("g:b")}, op("dir")); err == nil {
		t.Error("sources on two hosts accepted")
	}
	if host, up, err := cpDirection([]operand{op("a"), op("b")}, op("h:dir")); err != nil || host != "h" || !up {
		t.Errorf("upload: %q %v %v", host, up, err)
	}
}

func TestCpProgressLine(t *testing.T) {
	p := transfer.Progress{Path: "/x/big.iso", Bytes: 50 << 20, Total: 200 << 20}
	if got, want := progressLine(p, 2*time.Second), "big.iso   25%  50.0 MiB / 200.0 MiB  25.0 MiB/s"; got != want {
		t.Errorf("progressLine = %q; want %q", got, want)
	}
	var out bytes.Buffer
	b := newProgressBar(&out, false)
	b.update(p)
	b.done()
	if out.Len() != 0 {
		t.Errorf("a disabled bar drew %q", out.String())
	}
	b = newProgressBar(&out, true)
	b.update(p)
	b.update(p) // within 100ms: not drawn again
	b.done()
	if n := strings.Count(out.String(), "\r"); n != 1 || !strings.HasSuffix(out.String(), "\n") {
		t.Errorf("bar drew %q", out.String())
	}
}

// TestCpRoundTrip: upload and download through an ssh_config alias,
// a directory with -r, and the refusal of a directory without it.
func TestCpRoundTrip(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{HostKeyTypes: []string{"ed25519"}})
	dir := t.TempDir()
	config := filepath.Join(dir, "ssh_config")
	text := fmt.Sprintf("Host vm\n HostName %s\n Port %d\n User %s\n IdentityFile %s\n UserKnownHostsFile %s\n IdentitiesOnly yes\n",
		s.Host, s.Port, s.User, s.ClientKeyFile, s.KnownHostsFile)
	if err := os.WriteFile(config, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	tree := filepath.Join(dir, "tree")
	data := make([]byte, 300000)
	rand.Read(data)
	for name, b := range map[string][]byte{"a file": data, "sub/empty": nil} {
		os.MkdirAll(filepath.Dir(filepath.Join(tree, name)), 0o755)
		if err := os.WriteFile(filepath.Join(tree, name), b, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	remote := filepath.Join(dir, "remote")
	os.Mkdir(remote, 0o755)
	_, stderr, code := cliRun(t, "cp", "-F", config, tree, "vm:"+remote)
	if code != 1 || !strings.Contains(stderr, "use -r") {
		t.Fatalf("directory without -r: exit %d, %q", code, stderr)
	}
	if _, stderr, code = cliRun(t, "cp", "-F", config, "-r", "--verify", tree, "vm:"+remote); code != 0 || stderr != "" {
		t.Fatalf("upload: exit %d, stderr %q", code, stderr)
	}
	back := filepath.Join(dir, "back")
	if _, stderr, code = cliRun(t, "cp", "-F", config, "vm:"+remote+"/tree/a file", back); code != 0 {
		t.Fatalf("download: exit %d, stderr %q", code, stderr)
	}
	got, _ := os.ReadFile(back)
	st, _ := os.Stat(back)
	if !bytes.Equal(got, data) || st.Mode().Perm() != 0o640 {
		t.Errorf("round trip: %d bytes, mode %v", len(got), st.Mode())
	}
	if _, stderr, code = cliRun(t, "cp", "-F", config, "vm:"+remote+"/missing", back); code != 1 || !strings.Contains(stderr, "missing") {
		t.Errorf("missing remote file: exit %d, %q", code, stderr)
	}
}
