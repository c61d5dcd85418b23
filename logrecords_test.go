package vmconn_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/vmconn/vmconn"
)

// lockedWriter serialises writes to a buffer read at the end.
type lockedWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestLogRecords: a debug Logger hears the dial, the host key verdict,
// the auth methods tried and the one that logged in, and each command line with its Env names, but
// neither the password nor an Env value.
func TestLogRecords(t *testing.T) {
	t.Parallel()
	const password, secret = "pw-7d1e9a", "env-value-2b8c4f"
	srv := newPasswordServer(t, password)
	var logs lockedWriter
	cfg := &vmconn.Config{Password: password, KnownHostsFiles: []string{srv.KnownHostsFile()},
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	c, err := vmconn.Dial(testCtx(t), srv.Addr(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cmd := c.Command(testCtx(t), `test -n "$TOKEN"`)
	cmd.Env = []string{"TOKEN=" + secret}
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	got := logs.String()
	for _, want := range []string{"vmconn: dialing", "vmconn: host key accepted", "vmconn: auth: trying password",
		"vmconn: logged in", "auth=password", "vmconn: connected", "vmconn: command", "env=TOKEN"} {
		if !strings.Contains(got, want) {
			t.Errorf("logs lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, password) || strings.Contains(got, secret) {
		t.Errorf("logs hold a secret:\n%s", got)
	}
}

// TestLogRecordsPublicKey: a key login names publickey as the method
// that logged in, and the key's fingerprint.
func TestLogRecordsPublicKey(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	var logs lockedWriter
	cfg := &vmconn.Config{IdentityFiles: []string{srv.ClientKeyFile()}, KnownHostsFiles: []string{srv.KnownHostsFile()},
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	c, err := vmconn.Dial(testCtx(t), srv.Addr(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	got := logs.String()
	for _, want := range []string{"vmconn: auth: trying publickey", "keys=SHA256:", "auth=publickey"} {
		if !strings.Contains(got, want) {
			t.Errorf("logs lack %q:\n%s", want, got)
		}
	}
}
