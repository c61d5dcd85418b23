package main

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/sshdtest"
)

// TestCLIMaxSessions1: guard, long, jobs and cp --verify against an sshd
// with "MaxSessions 1" (which refuses a session opened right after
// another one ended, and one opened while the copy's SFTP session holds
// the slot), as root and as an unprivileged user.
func TestCLIMaxSessions1(t *testing.T) {
	sshdtest.RequireRoot(t, "a root login and an unprivileged user")
	for _, unpriv := range []bool{false, true} {
		t.Run(map[bool]string{false: "root", true: "user"}[unpriv], func(t *testing.T) {
			t.Parallel()
			s := sshdtest.Start(t, sshdtest.Options{MaxSessions: 1, PasswordUser: unpriv, HostKeyTypes: []string{"ed25519"}})
			flags := []string{"-F", "none", "-i", s.ClientKeyFile, "--known-hosts", s.KnownHostsFile,
				"-p", strconv.Itoa(s.Port), "-l", s.User}
			run := func(args ...string) (string, string, int) {
				return cliRun(t, append(append([]string{}, flags...), args...)...)
			}
			for i := range 5 {
				if out, errOut, code := run("guard", s.Host, "echo ok"); code != 0 || out != "ok\n" {
					t.Fatalf("guard %d: exit %d, %q, %q", i, code, out, errOut)
				}
			}
			jobDir, remote := "vmconn-jobs", "vmconn-verify" // in the unprivileged user's home
			if !unpriv {
				jobDir, remote = t.TempDir(), filepath.Join(t.TempDir(), remote)
			}
			if out, errOut, code := run("long", "--dir", jobDir, s.Host, "--", "echo hi"); code != 0 || out != "hi\n" {
				t.Fatalf("long: exit %d, %q, %q", code, out, errOut)
			}
			if _, errOut, code := run("jobs", "--dir", jobDir, s.Host); code != 0 {
				t.Fatalf("jobs: exit %d, %q", code, errOut)
			}
			data := make([]byte, 200000)
			rand.Read(data)
			src := filepath.Join(t.TempDir(), "data")
			os.WriteFile(src, data, 0o644)
			if _, errOut, code := run("cp", "--verify", src, s.Host+":"+remote); code != 0 {
				t.Fatalf("cp --verify up: exit %d, %q", code, errOut)
			}
			back := filepath.Join(t.TempDir(), "back")
			if _, errOut, code := run("cp", "--verify", s.Host+":"+remote, back); code != 0 {
				t.Fatalf("cp --verify down: exit %d, %q", code, errOut)
			}
			if got, _ := os.ReadFile(back); !bytes.Equal(got, data) {
				t.Errorf("round trip: %d bytes", len(got))
			}
		})
	}
}

// TestCLIMaxSessions1Shared: the same through a master, whose warm
// session holds the server's only slot between calls (for ten minutes,
// longer than a call waits for a slot): a call that needs another
// session (a PTY, jobs, a copy) gets it back.
func TestCLIMaxSessions1Shared(t *testing.T) {
	sshdtest.RequireRoot(t, "a root login")
	t.Setenv(runMainEnv, "1") // masters are this test binary, playing the CLI
	s := sshdtest.Start(t, sshdtest.Options{MaxSessions: 1, HostKeyTypes: []string{"ed25519"}})
	flags := []string{"-F", "none", "-i", s.ClientKeyFile, "--known-hosts", s.KnownHostsFile,
		"-p", strconv.Itoa(s.Port), "-l", s.User, "--control-persist", "10m", "--control-path", filepath.Join(t.TempDir(), "cm-%p")}
	run := func(args ...string) (string, string, int) {
		return cliRun(t, append(append([]string{}, flags...), args...)...)
	}
	t.Cleanup(func() { run("control", "stop", s.Host) })
	for i := range 3 {
		if out, errOut, code := run("exec", s.Host, "--", "echo ok"); code != 0 || out != "ok\n" {
			t.Fatalf("exec %d: exit %d, %q, %q", i, code, out, errOut)
		}
	}
	if out, errOut, code := run("exec", "-t", s.Host, "--", "tty >/dev/null && echo tty"); code != 0 || !strings.Contains(out, "tty") {
		t.Fatalf("exec -t: exit %d, %q, %q", code, out, errOut)
	}
	if out, errOut, code := run("guard", s.Host, "echo ok"); code != 0 || out != "ok\n" {
		t.Fatalf("guard: exit %d, %q, %q", code, out, errOut)
	}
	jobDir := t.TempDir()
	if out, errOut, code := run("long", "--dir", jobDir, s.Host, "--", "echo hi"); code != 0 || out != "hi\n" {
		t.Fatalf("long: exit %d, %q, %q", code, out, errOut)
	}
	if _, errOut, code := run("jobs", "--dir", jobDir, s.Host); code != 0 {
		t.Fatalf("jobs: exit %d, %q", code, errOut)
	}
	src := filepath.Join(t.TempDir(), "data")
	os.WriteFile(src, []byte("some data\n"), 0o644)
	// Not --verify: at MaxSessions 1, the checksum's second session
	// falls back to a connection of its own, which through a master is
	// one more channel on the master's connection (a known limit).
	dst := filepath.Join(t.TempDir(), "copy")
	if _, errOut, code := run("cp", src, s.Host+":"+dst); code != 0 {
		t.Fatalf("cp: exit %d, %q", code, errOut)
	}
	if got, _ := os.ReadFile(dst); string(got) != "some data\n" {
		t.Errorf("copy holds %q", got)
	}
	if out, errOut, code := run("exec", s.Host, "--", "echo last"); code != 0 || out != "last\n" {
		t.Fatalf("last exec: exit %d, %q, %q", code, out, errOut)
	}
}
