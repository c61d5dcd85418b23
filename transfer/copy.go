package transfer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/errutil"
)

// Options tune Upload and Download. The zero value copies with
// permission bits kept (but Download drops setuid, setgid and sticky
// bits), without a checksum check and without progress.
type Options struct {
	// Verify checks every copied file's SHA-256 against one computed on
	// the remote machine (with sha256sum, which must be installed) before
	// the file takes its final name; a mismatch is an error wrapping
	// ErrChecksum and leaves the destination as it was.
	Verify bool

	// PreserveTimes copies modification times too, like scp -p.
	PreserveTimes bool

	// KeepSpecialBits keeps the setuid, setgid and sticky bits of
	// downloaded files and directories. By default Download drops them,
	// as scp does, so that a copy from another machine never becomes a
	// local setuid program. Upload always keeps them.
	KeepSpecialBits bool

	// Progress, if set, is called as data is copied (about every 32 KiB)
	// and once more at the end. Calls never overlap, but may come from a
	// goroutine other than the caller's.
	Progress func(Progress)
}

// Progress reports how far a copy has come.
type Progress struct {
	Path  string // the source file being copied
	Bytes int64  // bytes copied so far, all files together
	Total int64  // bytes to copy in all
	Files int    // files finished
	Count int    // files to copy in all
}

// ErrChecksum: a copied file's SHA-256 differs from the source's
// (Options.Verify). Retryable (vmconn.Retryable reports true): the data
// was damaged on the way or the source changed meanwhile.
var ErrChecksum error = &sentinel{msg: "checksum mismatch", retry: true}

// sentinel is the type of the package's sentinel errors, which carry a
// verdict for vmconn.Retryable.
type sentinel struct {
	msg   string
	retry bool
}

func (e *sentinel) Error() string { return e.msg }

// Retryable reports whether trying again can help.
func (e *sentinel) Retryable() bool { return e.retry }

// Upload copies the local file or directory src to dst on the remote
// machine over SFTP, like scp -r: if dst is an existing directory (or ends
// with "/"), the copy goes inside it, under src's base name; otherwise it
// is named dst. Directories are copied recursively and merged into
// existing ones; symbolic links inside them are copied as links; other
// special files are an error. Permission bits are kept.
//
// Each file is written under a temporary name in a private (0700)
// directory beside its destination, then renamed over it, so a reader
// never sees a half-written file and an interrupted upload leaves the old
// file in place. Memory use does not grow with file size. Cancelling ctx
// closes the SFTP session and returns at once. Relative remote paths,
// and paths starting with "~/", are relative to the remote home.
func Upload(ctx context.Context, c *vmconn.Client, src, dst string, o *Options) error {
	st, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("vmconn: upload: %w", err)
	}
	return withSFTP(ctx, c, "upload", func(f *SFTP) error {
		target, err := remoteTarget(f, remotePath(dst), filepath.Base(filepath.Clean(src)))
		if err != nil {
			return err
		}
		p, err := planLocal(src, st)
		if err != nil {
			return err
		}
		u := &copier{ctx: ctx, c: c, f: f, opts: optionsOrZero(o), plan: p}
		return u.upload(src, target)
	})
}

// Download copies the remote file or directory src to the local dst, the
// mirror of Upload: same naming rules, permission bits kept (setuid,
// setgid and sticky only with KeepSpecialBits), symbolic links inside
// directories copied as links, each file written under a temporary name
// (mode 0600) and renamed into place.
//
// The server is not trusted. Every directory listing is checked before
// anything is written: a name that is not one plain file name ("..",
// "x/..", a backslash, NUL) or that is listed twice is an
// *UnsafeNameError. Everything is written inside the target's directory
// (through os.Root), and no local symbolic link is followed beyond the
// path dst itself: a link where the copy needs a directory is an error, a
// link where it puts a file or link is replaced, and modes are set on
// opened files, never through a path.
func Download(ctx context.Context, c *vmconn.Client, src, dst string, o *Options) error {
	return withSFTP(ctx, c, "download", func(f *SFTP) error {
		src := remotePath(src)
		st, err := f.Stat(src)
		if err != nil {
			return fmt.Errorf("%s: %w", src, err)
		}
		target, err := localTarget(dst, path.Base(path.Clean(src)))
		if err != nil {
			return err
		}
		p, err := planRemote(f, src, st)
		if err != nil {
			return err
		}
		d := &copier{ctx: ctx, c: c, f: f, opts: optionsOrZero(o), plan: p}
		return d.download(src, target)
	})
}

// withSFTP runs fn with an SFTP session that is closed when ctx ends, and
// names the operation in fn's error.
func withSFTP(ctx context.Context, c *vmconn.Client, op string, fn func(*SFTP) error) error {
	f, err := Open(ctx, c)
	if err != nil {
		return err
	}
	defer f.Close()
	stop := context.AfterFunc(ctx, func() { f.Close() })
	defer stop()
	err = fn(f)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return errutil.Errorf("%s %s: %w", op, c.Addr(), errutil.ContextError(ctx, err))
	case errors.Is(err, ErrChecksum), errors.Is(err, vmconn.ErrConfig):
		return errutil.Errorf("%s: %w", op, err)
	}
	if cerr := c.Err(); cerr != nil {
		return opError(c, op, fmt.Errorf("%w (%w)", cerr, err))
	}
	return errutil.Errorf("%s: %w", op, err)
}

func optionsOrZero(o *Options) Options {
	if o == nil {
		return Options{}
	}
	return *o
}

// remoteTarget applies the naming rules to a remote destination.
func remoteTarget(f *SFTP, dst, base string) (string, error) {
	st, err := f.Stat(dst)
	switch {
	case err == nil && st.IsDir():
		return path.Join(dst, base), nil
	case strings.HasSuffix(dst, "/"):
		return "", fmt.Errorf("%s: not an existing directory: %w", dst, vmconn.ErrConfig)
	}
	return dst, nil
}

// localTarget applies the naming rules to a local destination.
func localTarget(dst, base string) (string, error) {
	st, err := os.Stat(dst)
	switch {
	case err == nil && st.IsDir():
		return filepath.Join(dst, base), nil
	case strings.HasSuffix(dst, "/") || strings.HasSuffix(dst, string(filepath.Separator)):
		return "", fmt.Errorf("%s: not an existing directory: %w", dst, vmconn.ErrConfig)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return "", err
	}
	return dst, nil
}
