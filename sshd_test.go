package vmconn_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/sshdtest"
	"github.com/vmconn/vmconn/internal/testkit"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// Integration tests against a real OpenSSH sshd on loopback.

func sshdConfig(s *sshdtest.Server) *vmconn.Config {
	return &vmconn.Config{
		User:            s.User,
		IdentityFiles:   []string{s.ClientKeyFile},
		KnownHostsFiles: []string{s.KnownHostsFile},
		NoAgent:         true,
	}
}

func dialSSHD(t *testing.T, s *sshdtest.Server, cfg *vmconn.Config) *vmconn.Client {
	t.Helper()
	if cfg == nil {
		cfg = sshdConfig(s)
	}
	c, err := vmconn.Dial(testCtx(t), s.Addr, cfg)
	if err != nil {
		t.Fatalf("Dial %s: %v\nsshd log:\n%s", s.Addr, err, s.Logs())
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestSSHDAuthAndHostKeys(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{})
	t.Run("key file", func(t *testing.T) { dialSSHD(t, s, nil) })
	t.Run("hashed known_hosts", func(t *testing.T) {
		cfg := sshdConfig(s)
		cfg.KnownHostsFiles = []string{s.HashedKnownHostsFile}
		dialSSHD(t, s, cfg)
	})
	t.Run("every host key type", func(t *testing.T) {
		for _, algo := range []string{ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoRSASHA256} {
			cfg := sshdConfig(s)
			cfg.HostKeyAlgorithms = []string{algo}
			dialSSHD(t, s, cfg)
		}
	})
	t.Run("encrypted key", func(t *testing.T) {
		cfg := sshdConfig(s)
		cfg.IdentityFiles = []string{s.EncryptedKeyFile}
		cfg.Passphrase = func(string) ([]byte, error) { return []byte(s.Passphrase), nil }
		dialSSHD(t, s, cfg)
	})
	t.Run("agent", func(t *testing.T) {
		keyring := agent.NewKeyring()
		if err := keyring.Add(agent.AddedKey{PrivateKey: mustLoadRawKey(t, s.ClientKeyFile)}); err != nil {
			t.Fatal(err)
		}
		cfg := sshdConfig(s)
		cfg.IdentityFiles, cfg.NoAgent = []string{filepath.Join(t.TempDir(), "none")}[:0], false
		cfg.AgentSocket = serveAgent(t, keyring)
		dialSSHD(t, s, cfg)
	})
	t.Run("wrong key", func(t *testing.T) {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		signer, _ := ssh.NewSignerFromKey(priv)
		cfg := sshdConfig(s)
		cfg.IdentityFiles, cfg.Signers = nil, []ssh.Signer{signer}
		_, err := vmconn.Dial(testCtx(t), s.Addr, cfg)
		assertDialErr(t, err, vmconn.ErrAuth, false)
	})
	t.Run("unknown host", func(t *testing.T) {
		cfg := sshdConfig(s)
		cfg.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "empty")}
		_, err := vmconn.Dial(testCtx(t), s.Addr, cfg)
		assertDialErr(t, err, vmconn.ErrHostKeyUnknown, false)
	})
}

func mustLoadRawKey(t *testing.T, file string) any {
	t.Helper()
	data, err := readFile(file)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.ParseRawPrivateKey(data)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestSSHDPassword(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{PasswordUser: true})
	cfg := &vmconn.Config{User: s.User, Password: s.Password, KnownHostsFiles: []string{s.KnownHostsFile}, NoAgent: true}
	c := dialSSHD(t, s, cfg)
	out, err := c.Output(testCtx(t), "id -un")
	if err != nil || strings.TrimSpace(string(out)) != s.User {
		t.Errorf("id -un = %q, %v; want %s", out, err, s.User)
	}
	cfg.Password = "wrong"
	_, err = vmconn.Dial(testCtx(t), s.Addr, cfg)
	assertDialErr(t, err, vmconn.ErrAuth, false)
}

func TestSSHDRun(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{})
	c := dialSSHD(t, s, nil)
	ctx := testCtx(t)
	var ee *vmconn.ExitError
	if err := c.Command(ctx, "exit 3").Run(); !errors.As(err, &ee) || ee.Status != 3 {
		t.Errorf("exit 3: %v", err)
	}
	if err := c.Command(ctx, "kill -KILL $$").Run(); !errors.As(err, &ee) || ee.Signal != "KILL" {
		t.Errorf("kill: %v", err)
	}
	words := []string{`it's`, `$HOME`, "`id`", `a\b`, "new\nline", "ünï ✓", "\xff"}
	out, err := c.Output(ctx, vmconn.ShellJoin(append([]string{"printf", "%s|"}, words...)...))
	if want := strings.Join(words, "|") + "|"; err != nil || string(out) != want {
		t.Errorf("quoting: %q, %v", out, err)
	}
	cmd := c.Command(ctx, `cat; printf '|%s' "$X"; echo e >&2`)
	cmd.Stdin, cmd.Env = strings.NewReader("in\x00put"), []string{"X=it's"}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err != nil || string(out) != "in\x00put|it's" || stderr.String() != "e\n" {
		t.Errorf("stdin/env: %q %q %v", out, stderr.String(), err)
	}
	pty := c.Command(ctx, "tty")
	pty.PTY = &vmconn.PTY{}
	if out, err := pty.Output(); err != nil || !strings.HasPrefix(string(out), "/dev/pts/") {
		t.Errorf("pty: %q, %v", out, err)
	}
}

func TestSSHDStreaming(t *testing.T) {
	t.Parallel()
	assertStreams(t, dialSSHD(t, sshdtest.Start(t, sshdtest.Options{}), nil))
}

// TestSSHDCancelKillsRemote: cancelling ends the remote process group on
// real sshd, which (for a root login) refuses SSH signal requests.
func TestSSHDCancelKillsRemote(t *testing.T) {
	t.Parallel()
	assertCancelKills(t, dialSSHD(t, sshdtest.Start(t, sshdtest.Options{}), nil))
}

// TestSSHDMaxSessions: more concurrent commands than sshd's MaxSessions
// wait for a session instead of failing.
func TestSSHDMaxSessions(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{MaxSessions: 2})
	c := dialSSHD(t, s, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for i := range 12 {
		wg.Go(func() {
			out, err := c.Output(testCtx(t), fmt.Sprintf("sleep 0.05; echo %d", i))
			if err == nil && string(out) != fmt.Sprintf("%d\n", i) {
				err = fmt.Errorf("got %q", out)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestSSHDKilledConnection: sshd's connection process killed under a
// command (what a crash or OOM kill looks like): the command reports a
// lost connection without exit status, and the next call reconnects.
func TestSSHDKilledConnection(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{})
	c := dialSSHD(t, s, nil)
	cmd := c.Command(testCtx(t), "echo running; sleep 30")
	cmd.Stdout = &notifyWriter{want: "running\n", do: func() { go s.KillConnections(t) }}
	err := cmd.Run()
	if !errors.Is(err, vmconn.ErrNoExitStatus) || !errors.Is(err, vmconn.ErrConnLost) {
		t.Fatalf("Run = %v; want ErrNoExitStatus and ErrConnLost", err)
	}
	if out, err := c.Output(testCtx(t), "echo again"); err != nil || string(out) != "again\n" {
		t.Errorf("after reconnect: %q, %v", out, err)
	}
}

// TestSSHDRestartIsNotReboot: an sshd restart under a guarded operation
// (existing connections killed too) is not reported as a reboot.
func TestSSHDRestartIsNotReboot(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{})
	cfg := sshdConfig(s)
	cfg.ReconnectBackoff = 50 * time.Millisecond
	c := dialSSHD(t, s, cfg)
	err := c.Guard(testCtx(t), func(ctx context.Context) error {
		cmd := c.Command(ctx, "echo running; sleep 30")
		cmd.Stdout = &notifyWriter{want: "running\n", do: func() {
			go func() { s.Restart(t); s.KillConnections(t) }()
		}}
		return cmd.Run()
	})
	if errors.Is(err, vmconn.ErrRebooted) || !errors.Is(err, vmconn.ErrConnLost) {
		t.Fatalf("Guard = %v; want ErrConnLost, no reboot", err)
	}
}

func TestSSHDLargeOutput(t *testing.T) {
	// Not parallel: it samples the whole process's heap.
	if testing.Short() {
		t.Skip("short")
	}
	s := sshdtest.Start(t, sshdtest.Options{})
	c := dialSSHD(t, s, nil)
	var n countWriter
	var peak uint64
	stop := testkit.SampleHeap(&peak)
	cmd := c.Command(testCtx(t), "head -c 134217728 /dev/zero")
	cmd.Stdout = &n
	err := cmd.Run()
	stop()
	if err != nil || n.n != 128<<20 {
		t.Fatalf("got %d bytes, %v", n.n, err)
	}
	if peak > 64<<20 {
		t.Errorf("heap peaked at %d MiB", peak>>20)
	}
}

// TestSSHDSessionsRefused: a server that refuses every session (sshd
// MaxSessions 0) fails the command once Config.SessionWait has passed
// (the context has no deadline), with the server's refusal.
func TestSSHDSessionsRefused(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{MaxSessions: -1, ExtraConfig: []string{"MaxSessions 0"}})
	cfg := sshdConfig(s)
	cfg.SessionWait = 300 * time.Millisecond
	c := dialSSHD(t, s, cfg)
	_, err := c.Output(context.Background(), "true")
	var oce *ssh.OpenChannelError
	if !errors.As(err, &oce) || !errors.Is(err, vmconn.ErrRefused) {
		t.Errorf("Output = %v; want ErrRefused wrapping an OpenChannelError", err)
	}
}
