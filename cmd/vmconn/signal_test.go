package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/hostilessh"
	"golang.org/x/crypto/ssh"
)

// runMainEnv makes the test binary run main() instead of the tests, so
// that a test can signal a real CLI process.
const runMainEnv = "VMCONN_TEST_RUN_MAIN"

// writeClientKey writes a fresh ed25519 key in OpenSSH format.
func writeClientKey(t *testing.T) string {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCLISignalWhileStuck: a CLI stuck on a server that never answers its
// exec request or its session open exits on SIGTERM or SIGINT, with a
// non-zero status and a message naming the signal.
func TestCLISignalWhileStuck(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		stuck string // what the server leaves unanswered
		opts  hostilessh.Options
		sig   syscall.Signal
	}{
		{"exec", hostilessh.Options{Silent: []string{"exec"}}, syscall.SIGTERM},
		{"exec", hostilessh.Options{Silent: []string{"exec"}}, syscall.SIGINT},
		{"open", hostilessh.Options{SilentOpens: true}, syscall.SIGTERM},
	} {
		sig := tt.sig
		t.Run(tt.stuck+" "+sig.String(), func(t *testing.T) {
			t.Parallel()
			s := hostilessh.Start(t, tt.opts)
			cli := exec.Command(os.Args[0], "exec", "-n", "-i", writeClientKey(t), "--known-hosts", s.KnownHostsFile,
				"x@"+s.Addr, "--", "true")
			cli.Env = append(os.Environ(), runMainEnv+"=1", "SSH_AUTH_SOCK=")
			var stderr strings.Builder
			cli.Stderr = &stderr
			if err := cli.Start(); err != nil {
				t.Fatal(err)
			}
			waitArrived(t, s, tt.stuck)
			if err := cli.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cli.Wait() }()
			select {
			case err := <-done:
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() <= 0 {
					t.Errorf("CLI ended with %v; want a non-zero exit status", err)
				}
				if !strings.Contains(stderr.String(), "signal received") {
					t.Errorf("stderr %q does not name the signal", stderr.String())
				}
			case <-time.After(30 * time.Second):
				_ = cli.Process.Kill()
				<-done
				t.Fatalf("CLI still running 30s after %v; stderr: %s", sig, stderr.String())
			}
		})
	}
}

// waitArrived waits (bounded) until the server has seen a request.
func waitArrived(t *testing.T, s *hostilessh.Server, reqType string) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case r := <-s.Arrived():
			if r == reqType {
				return
			}
		case <-deadline:
			t.Fatalf("no %s request reached the server", reqType)
		}
	}
}
