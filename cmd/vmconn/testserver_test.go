package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/testenv"
	"golang.org/x/crypto/ssh"
)

// testServerProc is "vmconn testserver --json" running as a process.
type testServerProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
	info  testServerInfo
}

// startTestServerProc starts the test binary as "vmconn testserver
// --json" and reads its first line.
func startTestServerProc(t *testing.T, args ...string) *testServerProc {
	t.Helper()
	p := &testServerProc{cmd: exec.Command(os.Args[0], append([]string{"testserver", "--json"}, args...)...)}
	p.cmd.Env = append(os.Environ(), runMainEnv+"=1")
	p.cmd.Stderr = os.Stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	p.out = bufio.NewScanner(stdout)
	if !p.out.Scan() || json.Unmarshal(p.out.Bytes(), &p.info) != nil || p.info.Port == 0 {
		t.Fatalf("first line %q: want the server's JSON", p.out.Text())
	}
	return p
}

// send writes command to the server's stdin and returns its answer.
func (p *testServerProc) send(t *testing.T, command string) faultAnswer {
	t.Helper()
	if _, err := io.WriteString(p.stdin, command+"\n"); err != nil {
		t.Fatal(err)
	}
	var a faultAnswer
	if !p.out.Scan() || json.Unmarshal(p.out.Bytes(), &a) != nil || a.Command != command {
		t.Fatalf("answer to %q: %q", command, p.out.Text())
	}
	return a
}

// stop closes stdin and waits for the process to exit, at most 20s.
func (p *testServerProc) stop(t *testing.T) error {
	t.Helper()
	p.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("testserver did not exit at EOF")
		return nil
	}
}

// TestTestServerCpRoundTrip: "vmconn cp" up and down through the
// ssh_config file that "vmconn testserver" prints, the fault commands on
// its stdin, and a clean exit at EOF that removes its files.
func TestTestServerCpRoundTrip(t *testing.T) {
	t.Parallel()
	p := startTestServerProc(t)
	dir := t.TempDir()
	data := make([]byte, 200000)
	rand.Read(data)
	local, back := filepath.Join(dir, "data"), filepath.Join(dir, "back")
	if err := os.WriteFile(local, data, 0o640); err != nil {
		t.Fatal(err)
	}
	cfg := p.info.SSHConfigFile
	if _, stderr, code := cliRun(t, "cp", "-F", cfg, "--verify", local, "vmtest:up"); code != 0 || stderr != "" {
		t.Fatalf("upload: exit %d, %q", code, stderr)
	}
	if got, err := os.ReadFile(filepath.Join(p.info.Home, "up")); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("uploaded file in the server's home: %d bytes, %v", len(got), err)
	}
	if _, stderr, code := cliRun(t, "cp", "-F", cfg, "vmtest:up", back); code != 0 {
		t.Fatalf("download: exit %d, %q", code, stderr)
	}
	if got, _ := os.ReadFile(back); !bytes.Equal(got, data) {
		t.Errorf("round trip: %d bytes back", len(got))
	}

	for _, c := range []string{"drop", "stall", "resume", "stop-listening", "listen"} {
		if a := p.send(t, c); !a.OK {
			t.Errorf("%s: %+v", c, a)
		}
	}
	if a := p.send(t, "reboot"); !a.OK || a.BootID == "" || a.BootID == p.info.BootID {
		t.Errorf("reboot: %+v (boot id before %s)", a, p.info.BootID)
	}
	if a := p.send(t, "explode"); a.OK || !strings.Contains(a.Error, "unknown command") {
		t.Errorf("unknown command: %+v", a)
	}
	testenv.Eventually(t, 10*time.Second, func() bool { // back 200ms after the reboot
		out, _, code := cliRun(t, "exec", "-F", cfg, "vmtest", "--", "echo back")
		return code == 0 && out == "back\n"
	}, "exec after reboot fails")
	if err := p.stop(t); err != nil {
		t.Errorf("testserver at EOF: %v", err)
	}
	if _, err := os.Stat(cfg); !os.IsNotExist(err) {
		t.Errorf("ssh_config after exit: %v", err)
	}
}

// TestTestServerText: without --json the output names the files and
// holds the ssh_config snippet; answers are "ok COMMAND".
func TestTestServerText(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	in := strings.NewReader("stall\nresume\nnope\n")
	if err := runTestServer(t.Context(), in, &out, testserverFlags{}, false); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"known_hosts  /", "key_file     /", "Host vmtest\n", "  StrictHostKeyChecking yes\n",
		"ok stall\nok resume\nerror: unknown command \"nope\""} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

// TestTestServerBadKeyFile: an unreadable --host-key is a usage error.
func TestTestServerBadKeyFile(t *testing.T) {
	t.Parallel()
	_, stderr, code := cliRun(t, "testserver", "--host-key", filepath.Join(t.TempDir(), "missing"))
	if code != exitUsage || !strings.Contains(stderr, "--host-key") {
		t.Errorf("exit %d, %q", code, stderr)
	}
}

// TestTestServerFixedKeys: --host-key and --client-key make the server
// use those keys.
func TestTestServerFixedKeys(t *testing.T) {
	t.Parallel()
	key := writeClientKey(t)
	p := startTestServerProc(t, "--host-key", key, "--client-key", key)
	out, stderr, code := cliRun(t, "exec", "-i", key, "--known-hosts", p.info.KnownHosts, p.info.Address, "--", "echo", "in")
	if code != 0 || out != "in\n" {
		t.Errorf("exec with the given client key: exit %d, %q %q", code, out, stderr)
	}
	pem, _ := os.ReadFile(key)
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	kh, _ := os.ReadFile(p.info.KnownHosts)
	if want := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey()))); !strings.Contains(string(kh), want) {
		t.Errorf("known_hosts %q does not hold the --host-key", kh)
	}
	if err := p.stop(t); err != nil {
		t.Error(err)
	}
}
