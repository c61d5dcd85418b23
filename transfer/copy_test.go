package transfer_test

import (
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
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/transfer"
)

// TestTransferFiles: a binary file, an empty file and a name with spaces,
// up and back down, with modes kept and checksums verified.
func TestTransferFiles(t *testing.T) {
	t.Parallel()
	c := testkit.DialSFTPHost(t)
	src, remote, back := t.TempDir(), t.TempDir(), t.TempDir()
	files := map[string]struct {
		data []byte
		mode fs.FileMode
	}{
		"binary.bin":         {testkit.RandomBytes(3<<20 + 17), 0o640},
		"empty":              {nil, 0o600},
		"with spaces 'q'.sh": {[]byte("#!/bin/sh\necho hi\n"), 0o755},
	}
	opts := &transfer.Options{Verify: true, PreserveTimes: true}
	for name, f := range files {
		testkit.WriteFile(t, filepath.Join(src, name), f.data, f.mode)
		if err := transfer.Upload(testkit.Ctx(t), c, filepath.Join(src, name), remote+"/", opts); err != nil {
			t.Fatalf("Upload %q: %v", name, err)
		}
		if err := transfer.Download(testkit.Ctx(t), c, filepath.Join(remote, name), back, opts); err != nil {
			t.Fatalf("Download %q: %v", name, err)
		}
	}
	testkit.SameTree(t, src, remote)
	testkit.SameTree(t, src, back)
	testkit.NoLeftovers(t, remote)
	testkit.NoLeftovers(t, back)
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
	t.Parallel()
	c := testkit.DialSFTPHost(t)
	src := filepath.Join(t.TempDir(), "tree")
	testkit.WriteFile(t, filepath.Join(src, "a.txt"), []byte("a"), 0o644)
	testkit.WriteFile(t, filepath.Join(src, "sub dir", "b.bin"), testkit.RandomBytes(100000), 0o600)
	testkit.WriteFile(t, filepath.Join(src, "sub dir", "deeper", "run.sh"), []byte("#!/bin/sh\n"), 0o750)
	if err := os.MkdirAll(filepath.Join(src, "empty"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sub dir/b.bin", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(src, "sub dir"), 0o710)
	remote := filepath.Join(t.TempDir(), "copy")
	var last transfer.Progress
	opts := &transfer.Options{Verify: true, Progress: func(p transfer.Progress) { last = p }}
	if err := transfer.Upload(testkit.Ctx(t), c, src, remote, opts); err != nil {
		t.Fatalf("Upload: %v", err)
	}
	testkit.SameTree(t, src, remote)
	if last.Bytes != last.Total || last.Total != 100000+1+10 || last.Files != 3 || last.Count != 3 {
		t.Errorf("last progress %+v", last)
	}
	back := t.TempDir()
	if err := transfer.Download(testkit.Ctx(t), c, remote, back, nil); err != nil {
		t.Fatalf("Download: %v", err)
	}
	testkit.SameTree(t, src, filepath.Join(back, "copy"))
	testkit.NoLeftovers(t, remote)
	testkit.NoLeftovers(t, back)
}

// TestTransferReplacesAtomically: a cancelled upload leaves the old file
// whole and no temporary files; a finished one replaces it.
func TestTransferReplacesAtomically(t *testing.T) {
	t.Parallel()
	c := testkit.DialSFTPHost(t)
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "new"), filepath.Join(dir, "remote", "target")
	testkit.WriteFile(t, src, testkit.RandomBytes(8<<20), 0o644)
	testkit.WriteFile(t, dst, []byte("old contents"), 0o644)
	ctx, cancel := context.WithCancel(testkit.Ctx(t))
	opts := &transfer.Options{Progress: func(p transfer.Progress) {
		if p.Bytes > 1<<20 {
			cancel()
		}
	}}
	err := transfer.Upload(ctx, c, src, dst, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Upload = %v", err)
	}
	if got, _ := os.ReadFile(dst); string(got) != "old contents" {
		t.Fatalf("target changed by a cancelled upload: %d bytes", len(got))
	}
	testkit.NoLeftovers(t, filepath.Dir(dst))
	if err := transfer.Upload(testkit.Ctx(t), c, src, dst, nil); err != nil {
		t.Fatal(err)
	}
	testkit.SameTree(t, src, dst)
}

func TestTransferErrors(t *testing.T) {
	t.Parallel()
	c := testkit.DialSFTPHost(t)
	dir := t.TempDir()
	testkit.WriteFile(t, filepath.Join(dir, "f"), []byte("x"), 0o644)
	if err := transfer.Upload(testkit.Ctx(t), c, filepath.Join(dir, "missing"), dir+"/x", nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing source: %v", err)
	}
	if err := transfer.Upload(testkit.Ctx(t), c, filepath.Join(dir, "f"), dir+"/nodir/", nil); !errors.Is(err, vmconn.ErrConfig) {
		t.Errorf("missing destination directory: %v", err)
	}
	if err := transfer.Download(testkit.Ctx(t), c, dir+"/missing", dir, nil); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing remote source: %v", err)
	}
}

// TestTransferLarge copies 200 MB each way in constant memory and
// compares the time with scp's on the same machine. Not parallel: the
// heap it samples is the whole process's.
func TestTransferLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("200 MB copy skipped in -short mode")
	}
	s := sshdtest.Start(t, sshdtest.Options{HostKeyTypes: []string{"ed25519"}})
	c := testkit.DialSSHD(t, s, nil)
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
	stop := testkit.SampleHeap(&peak)
	start := time.Now()
	err = transfer.Upload(testkit.Ctx(t), c, src, filepath.Join(dir, "up"), &transfer.Options{Verify: true})
	up := time.Since(start)
	start = time.Now()
	if err == nil {
		err = transfer.Download(testkit.Ctx(t), c, filepath.Join(dir, "up"), filepath.Join(dir, "down"), nil)
	}
	down := time.Since(start)
	stop()
	if err != nil {
		t.Fatal(err)
	}
	testkit.SameTree(t, src, filepath.Join(dir, "down"))
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

// TestVerifyMaxSessions1: Verify's checksum command runs while the
// copy's SFTP session holds the only slot, both vmconn's
// (Config.MaxSessions 1) and the server's (sshd MaxSessions 1, which also
// refuses a session opened right after another ended): it must neither
// wait for that slot for ever nor be refused. As root and as an
// unprivileged user.
func TestVerifyMaxSessions1(t *testing.T) {
	sshdtest.RequireRoot(t, "a root login and an unprivileged user")
	for _, unpriv := range []bool{false, true} {
		t.Run(map[bool]string{false: "root", true: "user"}[unpriv], func(t *testing.T) {
			t.Parallel()
			s := sshdtest.Start(t, sshdtest.Options{MaxSessions: 1, PasswordUser: unpriv, HostKeyTypes: []string{"ed25519"}})
			cfg := testkit.SSHDConfig(s)
			cfg.MaxSessions = 1
			c := testkit.DialSSHD(t, s, cfg)
			remote := "vmconn-verify" // in the unprivileged user's home
			if !unpriv {
				remote = filepath.Join(t.TempDir(), remote)
			}
			verifyRoundTrip(t, c, remote)
			if err := c.Command(testkit.Ctx(t), "true").Run(); err != nil {
				t.Errorf("a command after the copies: %v", err)
			}
		})
	}
}

// verifyRoundTrip uploads a file to remote and downloads it back, both
// with Verify, within 15 seconds.
func verifyRoundTrip(t *testing.T, c *vmconn.Client, remote string) {
	t.Helper()
	local := t.TempDir()
	src, back := filepath.Join(local, "src"), filepath.Join(local, "back")
	testkit.WriteFile(t, src, testkit.RandomBytes(200000), 0o644)
	ctx, cancel := context.WithTimeout(testkit.Ctx(t), 15*time.Second)
	defer cancel()
	opts := &transfer.Options{Verify: true}
	if err := transfer.Upload(ctx, c, src, remote, opts); err != nil {
		t.Fatalf("Upload with Verify: %v", err)
	}
	if err := transfer.Download(ctx, c, remote, back, opts); err != nil {
		t.Fatalf("Download with Verify: %v", err)
	}
	testkit.SameTree(t, src, back)
}
