package testkit

import (
	"bytes"
	"crypto/rand"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/hostilesftp"
	"github.com/vmconn/vmconn/internal/sshdtest"
)

// The helpers below serve the copy tests (package transfer and the CLI's
// cp): the sshd harness runs on this machine, so "remote" paths are local
// paths in a temporary directory, checked directly.

// DialSFTPHost starts a real sshd (ed25519 host key) and dials it; both
// end at cleanup. Outside CI, without root or sshd, the test is skipped.
func DialSFTPHost(t testing.TB) *vmconn.Client {
	t.Helper()
	return DialSSHD(t, sshdtest.Start(t, sshdtest.Options{HostKeyTypes: []string{"ed25519"}}), nil)
}

// DialHostileSFTP dials the hostile SFTP server s and closes the client
// at cleanup.
func DialHostileSFTP(t testing.TB, s *hostilesftp.Server) *vmconn.Client {
	t.Helper()
	cfg := &vmconn.Config{User: s.User, IdentityFiles: []string{s.ClientKeyFile},
		KnownHostsFiles: []string{s.KnownHostsFile}, NoAgent: true}
	return dial(t, s.Addr, cfg, nil)
}

// WriteFile writes data to file with exactly mode (past the umask),
// making its directories.
func WriteFile(t testing.TB, file string, data []byte, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, mode); err != nil {
		t.Fatal(err)
	}
}

// RandomBytes returns n random bytes.
func RandomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// SameTree fails unless the trees at a and b hold the same files, modes
// and links.
func SameTree(t testing.TB, a, b string) {
	t.Helper()
	err := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		return sameEntry(t, rel, p, filepath.Join(b, rel))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// sameEntry compares one entry of SameTree's walk.
func sameEntry(t testing.TB, rel, p, q string) error {
	t.Helper()
	sa, _ := os.Lstat(p)
	sb, err := os.Lstat(q)
	if err != nil {
		return err
	}
	if sa.Mode() != sb.Mode() {
		t.Errorf("%s: mode %v, copy %v", rel, sa.Mode(), sb.Mode())
	}
	switch {
	case sa.Mode().IsRegular():
		da, _ := os.ReadFile(p)
		db, _ := os.ReadFile(q)
		if !bytes.Equal(da, db) {
			t.Errorf("%s: contents differ (%d and %d bytes)", rel, len(da), len(db))
		}
	case sa.Mode()&fs.ModeSymlink != 0:
		la, _ := os.Readlink(p)
		lb, _ := os.Readlink(q)
		if la != lb {
			t.Errorf("%s: link %q, copy %q", rel, la, lb)
		}
	}
	return nil
}

// NoLeftovers fails if a copy's temporary name is left in the tree.
func NoLeftovers(t testing.TB, dir string) {
	t.Helper()
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), "vmconn-tmp") {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
}

// SampleHeap records the peak heap in use until the returned stop is
// called (stop waits for the sampling goroutine).
func SampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			*peak = max(*peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}
