package vmconn_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/sshdtest"
)

// The sshd harness runs on this machine, so "remote" paths are local
// paths in a temporary directory, checked directly.

func xferClient(t *testing.T) *vmconn.Client {
	t.Helper()
	return dialSSHD(t, sshdtest.Start(t, sshdtest.Options{HostKeyTypes: []string{"ed25519"}}), nil)
}

func xferWrite(t *testing.T, file string, data []byte, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, mode); err != nil { // past the umask
		t.Fatal(err)
	}
}

func xferRandom(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// xferSame fails unless the trees at a and b hold the same files, modes
// and links.
func xferSame(t *testing.T, a, b string) {
	t.Helper()
	err := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		q := filepath.Join(b, rel)
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
	})
	if err != nil {
		t.Fatal(err)
	}
}

// xferNoLeftovers fails if a temporary name is left in the tree.
func xferNoLeftovers(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), "vmconn-tmp") {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
}

// TestTransferFiles: a binary file, an empty file and a name with spaces,
// up and back down, with modes kept and checksums verified.
func TestTransferFiles(t *testing.T) {
	c := xferClient(t)
	src, remote, back := t.TempDir(), t.TempDir(), t.TempDir()
	files := map[string]struct {
		data []byte
		mode fs.FileMode
	}{
		"binary.bin":         {xferRandom(3<<20 + 17), 0o640},
		"empty":              {nil, 0o600},
		"with spaces 'q'.sh": {[]byte("#!/bin/sh\necho hi\n"), 0o755},
	}
	opts := &vmconn.CopyOptions{Verify: true, PreserveTimes: true}
	for name, f := range files {
		xferWrite(t, filepath.Join(src, name), f.data, f.mode)
		if err := c.Upload(testCtx(t), filepath.Join(src, name), remote+"/", opts); err != nil {
			t.Fatalf("Upload %q: %v", name, err)
		}
		if err := c.Download(testCtx(t), filepath.Join(remote, name), back, opts); err != nil {
			t.Fatalf("Download %q: %v", name, err)
		}
	}
	xferSame(t, src, remote)
	xferSame(t, src, back)
	xferNoLeftovers(t, remote)
	xferNoLeftovers(t, back)
	st, _ := os.Stat(filepath.Join(remote, "binary.bin"))
	sst, _ := os.Stat(filepath.Join(src, "binary.bin"))
	if !st.ModTime().Equal(sst.ModTime().Truncate(time.Second)) {
		t.Errorf("mtime %v, source %v", st.ModTime(), sst.ModTime())
	}
}

// TestTransferTree: a directory tree with subdirectories, modes, a
// symbolic link and an empty directory, uploaded under a new name and
// downloaded into an existing directory.
func TestTransferTree(t *testing.T) {
	c := xferClient(t)
	src := filepath.Join(t.TempDir(), "tree")
	xferWrite(t, filepath.Join(src, "a.txt"), []byte("a"), 0o644)
	xferWrite(t, filepath.Join(src, "sub dir", "b.bin"), xferRandom(100000), 0o600)
	xferWrite(t, filepath.Join(src, "sub dir", "deeper", "run.sh"), []byte("#!/bin/sh\n"), 0o750)
	if err := os.MkdirAll(filepath.Join(src, "empty"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sub dir/b.bin", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(src, "sub dir"), 0o710)
	remote := filepath.Join(t.TempDir(), "copy")
	var last vmconn.Progress
	opts := &vmconn.CopyOptions{Verify: true, Progress: func(p vmconn.Progress) { last = p }}
	if err := c.Upload(testCtx(t), src, remote, opts); err != nil {
		t.Fatalf("Upload: %v", err)
	}
	xferSame(t, src, remote)
	if last.Bytes != last.Total || last.Total != 100000+1+10 || last.Files != 3 || last.Count != 3 {
		t.Errorf("last progress %+v", last)
	}
	back := t.TempDir()
	if err := c.Download(testCtx(t), remote, back, nil); err != nil {
		t.Fatalf("Download: %v", err)
	}
	xferSame(t, src, filepath.Join(back, "copy"))
	xferNoLeftovers(t, remote)
	xferNoLeftovers(t, back)
}

// TestTransferReplacesAtomically: a cancelled upload leaves the old file
// whole and no temporary files; a finished one replaces it.
func TestTransferReplacesAtomically(t *testing.T) {
	c := xferClient(t)
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "new"), filepath.Join(dir, "remote", "target")
	xferWrite(t, src, xferRandom(8<<20), 0o644)
	xferWrite(t, dst, []byte("old contents"), 0o644)
	ctx, cancel := context.WithCancel(testCtx(t))
	opts := &vmconn.CopyOptions{Progress: func(p vmconn.Progress) {
		if p.Bytes > 1<<20 {
			cancel()
		}
	}}
	err := c.Upload(ctx, src, dst, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Upload = %v", err)
	}
	if got, _ := os.ReadFile(dst); string(got) != "old contents" {
		t.Fatalf("target changed by a cancelled upload: %d bytes", len(got))
	}
	xferNoLeftovers(t, filepath.Dir(dst))
	if err := c.Upload(testCtx(t), src, dst, nil); err != nil {
		t.Fatal(err)
	}
	xferSame(t, src, dst)
}

func TestTransferErrors(t *testing.T) {
	c := xferClient(t)
	dir := t.TempDir()
	xferWrite(t, filepath.Join(dir, "f"), []byte("x"), 0o644)
	if err := c.Upload(testCtx(t), filepath.Join(dir, "missing"), dir+"/x", nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing source: %v", err)
	}
	if err := c.Upload(testCtx(t), filepath.Join(dir, "f"), dir+"/nodir/", nil); !errors.Is(err, vmconn.ErrConfig) {
		t.Errorf("missing destination directory: %v", err)
	}
	if err := c.Download(testCtx(t), dir+"/missing", dir, nil); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing remote source: %v", err)
	}
}

// TestTransferLarge copies 200 MB each way in constant memory and
// compares the time with scp's on the same machine.
func TestTransferLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("200 MB copy skipped in -short mode")
	}
	s := sshdtest.Start(t, sshdtest.Options{HostKeyTypes: []string{"ed25519"}})
	c := dialSSHD(t, s, nil)
	dir := t.TempDir()
	src := filepath.Join(dir, "big")
	f, err := os.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	const size = 200 << 20
	if _, err := io.CopyN(f, rand.Reader, size); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var peak uint64
	stop := sampleHeap(&peak)
	start := time.Now()
	err = c.Upload(testCtx(t), src, filepath.Join(dir, "up"), &vmconn.CopyOptions{Verify: true})
	up := time.Since(start)
	start = time.Now()
	if err == nil {
		err = c.Download(testCtx(t), filepath.Join(dir, "up"), filepath.Join(dir, "down"), nil)
	}
	down := time.Since(start)
	stop()
	if err != nil {
		t.Fatal(err)
	}
	xferSame(t, src, filepath.Join(dir, "down"))
	if peak > 64<<20 {
		t.Errorf("peak heap %d MiB while copying 200 MB", peak>>20)
	}
	t.Logf("200 MB: upload (with verify) %v, download %v, peak heap %d MiB", up.Round(time.Millisecond), down.Round(time.Millisecond), peak>>20)
	if _, err := exec.LookPath("scp"); err == nil {
		start = time.Now()
		args := append(s.SSHArgs()[:len(s.SSHArgs())-1], "-q", src, s.User+"@"+s.Host+":"+filepath.Join(dir, "scp"))
		args[2] = "-P" // ssh's -p is scp's -P
		if out, err := exec.Command("scp", args...).CombinedOutput(); err != nil {
			t.Logf("scp failed: %v: %s", err, out)
		} else {
			t.Logf("200 MB: scp upload %v", time.Since(start).Round(time.Millisecond))
		}
	}
}
