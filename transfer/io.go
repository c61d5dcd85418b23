package transfer

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync"

	"github.com/vmconn/vmconn"
)

// copier carries out one plan, in either direction.
type copier struct {
	ctx  context.Context
	c    *vmconn.Client
	f    *SFTP
	opts Options
	plan *plan

	mu    sync.Mutex // guards the progress counters and Progress calls
	done  int64
	files int

	staging map[string]string // remote directory -> its private staging directory
}

// progress adds n bytes copied from file and reports.
func (cp *copier) progress(file string, n int64, fileDone bool) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	cp.done += n
	if fileDone {
		cp.files++
	}
	if cp.opts.Progress != nil {
		cp.opts.Progress(Progress{Path: file, Bytes: cp.done, Total: cp.plan.total, Files: cp.files, Count: cp.plan.files})
	}
}

// meter hashes and counts what passes through it, reporting progress.
type meter struct {
	cp   *copier
	file string
	sum  hash.Hash
}

func newMeter(cp *copier, file string) *meter {
	return &meter{cp: cp, file: file, sum: sha256.New()}
}

func (m *meter) note(p []byte) {
	m.sum.Write(p)
	m.cp.progress(m.file, int64(len(p)), false)
}

// reader wraps r.
func (m *meter) reader(r io.Reader) io.Reader {
	return readerFunc(func(p []byte) (int, error) {
		n, err := r.Read(p)
		m.note(p[:n])
		return n, err
	})
}

// writer wraps w.
func (m *meter) writer(w io.Writer) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		n, err := w.Write(p)
		m.note(p[:n])
		return n, err
	})
}

func (m *meter) hex() string { return hex.EncodeToString(m.sum.Sum(nil)) }

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// verify compares a local SHA-256 with sha256sum's for the remote file.
func (cp *copier) verify(remote, want string) error {
	if !cp.opts.Verify {
		return nil
	}
	// Not Output: the copy's SFTP session may hold the server's only slot.
	out, err := cp.f.s.SideOutput(cp.ctx, vmconn.ShellJoin("sha256sum", "--", remote))
	if err != nil {
		return fmt.Errorf("checksum of %s: %w", remote, err)
	}
	got := strings.TrimPrefix(string(out), "\\") // sha256sum escapes odd names
	if len(got) < 64 {
		return fmt.Errorf("checksum of %s: sha256sum printed %q", remote, out)
	}
	if got[:64] != want {
		return fmt.Errorf("%s: remote sha256 %s, local %s: %w", remote, got[:64], want, ErrChecksum)
	}
	return nil
}

// tempSuffix returns a random name part for temporary files.
func tempSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return ".vmconn-tmp-" + hex.EncodeToString(b[:])
}
