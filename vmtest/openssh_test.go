//go:build unix

package vmtest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/testenv"
)

// openssh runs OpenSSH's program (ssh, sftp) with -F s.SSHConfigFile()
// and args, stdin as its input, and returns its output and exit status.
func openssh(t *testing.T, s *Server, program, stdin string, args ...string) (string, int) {
	t.Helper()
	path := testenv.RequireCommand(t, program)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append([]string{"-F", s.SSHConfigFile()}, args...)...)
	cmd.Env = append(os.Environ(), "SSH_AUTH_SOCK=")
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%s: %v", program, err)
	}
	return out.String(), cmd.ProcessState.ExitCode()
}

// TestOpenSSHClient: OpenSSH's ssh logs in with SSHConfigFile, gets the
// exit status, passes stdin, runs a command on a PTY, and meets fakes.
func TestOpenSSHClient(t *testing.T) {
	t.Parallel()
	fakes := &Fakes{}
	fakes.Handle("apt-get update", Fake{Stdout: "Reading package lists... Done\n"})
	s := newTestServer(t, Options{Handler: fakes})
	if out, code := openssh(t, s, "ssh", "", SSHConfigHost, "exit 3"); code != 3 {
		t.Errorf("exit 3: status %d, output %q", code, out)
	}
	if out, code := openssh(t, s, "ssh", "line one\nline two\n", SSHConfigHost, "wc -l"); code != 0 || strings.TrimSpace(out) != "2" {
		t.Errorf("stdin: status %d, output %q", code, out)
	}
	out, code := openssh(t, s, "ssh", "", "-tt", SSHConfigHost, `tty; [ -t 0 ] && echo "term=$TERM"`)
	if code != 0 || !strings.Contains(out, "/dev/pts/") || !strings.Contains(out, "term=") {
		t.Errorf("pty: status %d, output %q", code, out)
	}
	if out, code := openssh(t, s, "ssh", "", SSHConfigHost, "apt-get update"); code != 0 || out != "Reading package lists... Done\n" {
		t.Errorf("faked apt-get: status %d, output %q", code, out)
	}
	if lines := fakes.Lines(); len(lines) != 4 || lines[3] != "apt-get update" || !fakes.Calls()[3].Faked {
		t.Errorf("calls %q", lines)
	}
}

// TestOpenSSHSFTP: OpenSSH's sftp puts and gets a file through the sftp
// subsystem, relative paths in the server's home; so does scp.
func TestOpenSSHSFTP(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	dir := t.TempDir()
	local, back := filepath.Join(dir, "local"), filepath.Join(dir, "back")
	if err := os.WriteFile(local, []byte("through sftp\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	batch := "mkdir sub\nput " + local + " sub/copy\nls sub\nget sub/copy " + back + "\n"
	out, code := openssh(t, s, "sftp", batch, "-b", "-", SSHConfigHost)
	if code != 0 {
		t.Fatalf("sftp: status %d, output %q", code, out)
	}
	if b, err := os.ReadFile(filepath.Join(s.Home(), "sub", "copy")); err != nil || string(b) != "through sftp\n" {
		t.Errorf("uploaded: %q, %v", b, err)
	}
	if b, err := os.ReadFile(back); err != nil || string(b) != "through sftp\n" {
		t.Errorf("downloaded: %q, %v", b, err)
	}
	if out, code := openssh(t, s, "scp", "", local, SSHConfigHost+":by-scp"); code != 0 {
		t.Fatalf("scp: status %d, output %q", code, out)
	}
	if b, err := os.ReadFile(filepath.Join(s.Home(), "by-scp")); err != nil || string(b) != "through sftp\n" {
		t.Errorf("scp: %q, %v", b, err)
	}
}
