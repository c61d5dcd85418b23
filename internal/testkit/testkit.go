// Package testkit holds the few helpers that the tests of vmconn's
// packages share: a bounded context, a vmtest server closed at cleanup,
// and clients dialled to it or to a real sshd from internal/sshdtest.
// It is for tests only.
package testkit

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/sshdtest"
	"github.com/vmconn/vmconn/vmtest"
	"golang.org/x/crypto/ssh"
)

// Ctx returns a context that ends after 30 seconds or at cleanup.
func Ctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Server starts a vmtest server with opts (none: the defaults), closed at
// cleanup. Where vmtest cannot run (Windows) the test is skipped.
func Server(t testing.TB, opts ...vmtest.Options) *vmtest.Server {
	t.Helper()
	var o vmtest.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	srv, err := vmtest.Start(o)
	if errors.Is(err, vmtest.ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// Config returns a Config that logs in to srv with its client key and
// checks its host key against srv's known_hosts file.
func Config(srv *vmtest.Server) *vmconn.Config {
	return &vmconn.Config{
		Signers:         []ssh.Signer{srv.ClientSigner()},
		KnownHostsFiles: []string{srv.KnownHostsFile()},
		NoAgent:         true,
	}
}

// Dial dials srv with cfg (nil: Config(srv)) and closes the client at
// cleanup.
func Dial(t testing.TB, srv *vmtest.Server, cfg *vmconn.Config) *vmconn.Client {
	t.Helper()
	if cfg == nil {
		cfg = Config(srv)
	}
	return dial(t, srv.Addr(), cfg, nil)
}

// SSHDConfig returns a Config that logs in to s as its user.
func SSHDConfig(s *sshdtest.Server) *vmconn.Config {
	return &vmconn.Config{
		User:            s.User,
		IdentityFiles:   []string{s.ClientKeyFile},
		KnownHostsFiles: []string{s.KnownHostsFile},
		NoAgent:         true,
	}
}

// DialSSHD dials s with cfg (nil: SSHDConfig(s)) and closes the client at
// cleanup; a failure shows sshd's log.
func DialSSHD(t testing.TB, s *sshdtest.Server, cfg *vmconn.Config) *vmconn.Client {
	t.Helper()
	if cfg == nil {
		cfg = SSHDConfig(s)
	}
	return dial(t, s.Addr, cfg, s.Logs)
}

func dial(t testing.TB, addr string, cfg *vmconn.Config, logs func() string) *vmconn.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := vmconn.Dial(ctx, addr, cfg)
	if err != nil {
		if logs != nil {
			t.Fatalf("Dial %s: %v\nsshd log:\n%s", addr, err, logs())
		}
		t.Fatalf("Dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
