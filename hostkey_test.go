package vmconn_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmconn/vmconn"
	"golang.org/x/crypto/ssh"
)

// TestDialHostKeyRevoked: a host key marked @revoked in known_hosts is
// reported as revoked (not unknown), not retryable, in every mode that
// checks known_hosts, and classified "auth" by a fan-out.
func TestDialHostKeyRevoked(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	file := filepath.Join(t.TempDir(), "known_hosts")
	line := "@revoked * " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(srv.HostKey()))) + "\n"
	if err := os.WriteFile(file, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(srv)
	cfg.KnownHostsFiles = []string{file}
	for _, mode := range []vmconn.HostKeyMode{vmconn.HostKeyStrict, vmconn.HostKeyAcceptNew} {
		cfg.HostKeyMode = mode
		_, err := vmconn.Dial(testCtx(t), srv.Addr(), cfg)
		assertDialErr(t, err, vmconn.ErrHostKeyRevoked, false)
		var hke *vmconn.HostKeyError
		if !errors.As(err, &hke) || errors.Is(err, vmconn.ErrHostKeyUnknown) || !strings.Contains(err.Error(), "revoked") {
			t.Errorf("mode %v: %v; want a *HostKeyError saying revoked, not unknown", mode, err)
		}
	}
	// fanout's TestRunAuth: class auth.
}
