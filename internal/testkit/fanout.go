package testkit

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/vmconn/vmconn"
)

// Fleet starts n vmtest servers that all accept one client key and whose
// host keys are all in one known_hosts file, and returns their addresses
// and a Config that logs in to each of them.
func Fleet(t testing.TB, n int) (addrs []string, cfg *vmconn.Config) {
	t.Helper()
	first := Server(t)
	cfg = Config(first)
	var known bytes.Buffer
	for i := range n {
		srv := first
		if i > 0 {
			srv = Server(t)
			srv.AddAuthorizedKey(first.ClientSigner().PublicKey())
		}
		data, err := os.ReadFile(srv.KnownHostsFile())
		if err != nil {
			t.Fatal(err)
		}
		known.Write(data)
		addrs = append(addrs, srv.Addr())
	}
	file := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(file, known.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.KnownHostsFiles = []string{file}
	return addrs, cfg
}

// Buffer is a bytes.Buffer safe for concurrent use, for output that
// several goroutines write.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (w *Buffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// String returns what was written.
func (w *Buffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
