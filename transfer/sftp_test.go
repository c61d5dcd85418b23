package transfer_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/transfer"
	"github.com/vmconn/vmconn/vmtest"
)

// TestNoSFTPSubsystem: against a server without SFTP (vmtest with NoSFTP), Open,
// Upload and Download fail with the server's refusal, "vmconn: " once,
// and the session's slot is freed (a command still runs under
// MaxSessions 1).
func TestNoSFTPSubsystem(t *testing.T) {
	t.Parallel()
	srv := testkit.Server(t, vmtest.Options{NoSFTP: true})
	cfg := testkit.Config(srv)
	cfg.MaxSessions = 1
	c := testkit.Dial(t, srv, cfg)
	ctx := testkit.Ctx(t)
	src := filepath.Join(t.TempDir(), "f")
	testkit.WriteFile(t, src, []byte("x"), 0o600)
	_, openErr := transfer.Open(ctx, c)
	errs := map[string]error{
		"open":     openErr,
		"upload":   transfer.Upload(ctx, c, src, "x", nil),
		"download": transfer.Download(ctx, c, "x", t.TempDir(), nil),
	}
	want := "vmconn: sftp " + c.Addr() + ": server refused the sftp subsystem: "
	for op, err := range errs {
		var oe *vmconn.OpError
		if !errors.As(err, &oe) || oe.Op != "sftp" || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s = %v; want an *OpError starting %q", op, err, want)
		}
		if strings.Count(err.Error(), "vmconn: ") != 1 {
			t.Errorf("%s: %q: want \"vmconn: \" once", op, err)
		}
	}
	if _, err := c.Output(ctx, "true"); err != nil {
		t.Fatalf("a command after the refused sessions: %v", err)
	}
}

// TestZeroClient: a Client not made by Dial fails at once with ErrConfig.
func TestZeroClient(t *testing.T) {
	t.Parallel()
	var c vmconn.Client
	ctx := context.Background() // no deadline: a wait would hang
	src := filepath.Join(t.TempDir(), "src")
	testkit.WriteFile(t, src, nil, 0o600)
	_, err := transfer.Open(ctx, &c)
	for op, err := range map[string]error{
		"Open":     err,
		"Upload":   transfer.Upload(ctx, &c, src, "dst", nil),
		"Download": transfer.Download(ctx, &c, "src", t.TempDir(), nil),
	} {
		if !errors.Is(err, vmconn.ErrConfig) {
			t.Errorf("%s: %v; want ErrConfig", op, err)
		}
	}
}

// TestRetryable: ErrChecksum is retryable through vmconn.Retryable, as
// documented, wrapped or not; an *UnsafeNameError is not.
func TestRetryable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"checksum", transfer.ErrChecksum, true},
		{"checksum, wrapped", errors.Join(errors.New("upload"), transfer.ErrChecksum), true},
		{"unsafe name", &transfer.UnsafeNameError{Dir: "/d", Name: "..", Reason: "not a file name"}, false},
	}
	for _, tt := range tests {
		if got := vmconn.Retryable(tt.err); got != tt.want {
			t.Errorf("%s: Retryable(%v) = %v; want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
