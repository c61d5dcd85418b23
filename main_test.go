package vmconn_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/vmtest"
	"go.uber.org/goleak"
	"golang.org/x/crypto/ssh"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testConfig returns a Config that logs in to srv with its client key and
// checks its host key against srv's known_hosts file.
func testConfig(srv *vmtest.Server) *vmconn.Config {
	return &vmconn.Config{
		Signers:         []ssh.Signer{srv.ClientSigner()},
		KnownHostsFiles: []string{srv.KnownHostsFile()},
		NoAgent:         true,
		IdentityFiles:   nil,
	}
}

// dialTest starts nothing: it dials srv and closes the client at cleanup.
func dialTest(t *testing.T, srv *vmtest.Server, cfg *vmconn.Config) *vmconn.Client {
	t.Helper()
	if cfg == nil {
		cfg = testConfig(srv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := vmconn.Dial(ctx, srv.Addr(), cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// newServer starts a vmtest server closed at cleanup.
func newServer(t testing.TB) *vmtest.Server {
	t.Helper()
	srv := vmtest.NewServer()
	t.Cleanup(srv.Close)
	return srv
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newPasswordServer(t *testing.T, password string) *vmtest.Server {
	t.Helper()
	srv := vmtest.NewServerOptions(vmtest.Options{Password: password})
	t.Cleanup(srv.Close)
	return srv
}

func newServerOpts(t *testing.T, maxSessions int) *vmtest.Server {
	t.Helper()
	srv := vmtest.NewServerOptions(vmtest.Options{MaxSessions: maxSessions})
	t.Cleanup(srv.Close)
	return srv
}

func readFile(name string) ([]byte, error) { return os.ReadFile(name) }

func writeFileData(name string, data []byte) error { return os.WriteFile(name, data, 0o600) }
