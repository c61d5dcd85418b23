package transfer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// localTree writes a download under one local directory. Every name is
// resolved by an os.Root, so nothing is written outside it; and no
// symbolic link that the download did not make is followed: each name is
// checked with Lstat before it is used, files are made with O_EXCL and
// opened with O_NOFOLLOW, and modes are set on the opened file, not by
// path.
type localTree struct {
	root *os.Root
}

func openLocalTree(dir string) (*localTree, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &localTree{root: r}, nil
}

func (lt *localTree) Close() error { return lt.root.Close() }

// path names name for errors.
func (lt *localTree) path(name string) string { return filepath.Join(lt.root.Name(), name) }

// notDir is the error for a name that should be a directory and is not:
// a symbolic link there is not followed.
func (lt *localTree) notDir(name string, st fs.FileInfo) error {
	return fmt.Errorf("%s: exists and is not a directory (%v; links are not followed)", lt.path(name), st.Mode().Type())
}

// mkdir makes the directory name (0700 until its mode is set), or
// merges into a real directory already there.
func (lt *localTree) mkdir(name string) error {
	st, err := lt.root.Lstat(name)
	switch {
	case err == nil && st.IsDir():
		return nil
	case err == nil:
		return lt.notDir(name, st)
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	return lt.root.Mkdir(name, 0o700)
}

// tempName returns a fresh temporary name beside name.
func tempName(name string) string {
	return filepath.Join(filepath.Dir(name), "."+filepath.Base(name)+tempSuffix())
}

// createTemp makes a new file (mode 0600) under a temporary name beside
// name; O_EXCL means that nothing already there, link or not, is opened.
func (lt *localTree) createTemp(name string) (*os.File, string, error) {
	tmp := tempName(name)
	f, err := openNoFollow(lt.root, tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	return f, tmp, err
}

// commit renames tmp to name; a link at name is replaced, not followed.
func (lt *localTree) commit(tmp, name string) error {
	if err := lt.root.Rename(tmp, name); err != nil {
		lt.root.Remove(tmp)
		return err
	}
	return nil
}

// symlink makes name a symbolic link to target, replacing what was there.
func (lt *localTree) symlink(name, target string) error {
	tmp := tempName(name)
	if err := lt.root.Symlink(target, tmp); err != nil {
		return err
	}
	return lt.commit(tmp, name)
}

// setDir sets the mode, and the modification time unless it is zero, of
// the directory name, after making sure it is a real directory.
func (lt *localTree) setDir(name string, mode fs.FileMode, mtime time.Time) error {
	want, err := lt.root.Lstat(name)
	if err != nil {
		return err
	}
	if !want.IsDir() {
		return lt.notDir(name, want)
	}
	f, err := openNoFollow(lt.root, name, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := sameFile(f, want); err != nil {
		return err
	}
	if err := f.Chmod(mode); err != nil {
		return err
	}
	return lt.chtimes(name, mtime)
}

// chtimes sets name's modification time, unless mtime is zero.
func (lt *localTree) chtimes(name string, mtime time.Time) error {
	if mtime.IsZero() {
		return nil
	}
	return lt.root.Chtimes(name, time.Now(), mtime)
}

// sameFile fails unless the open f is the file that want describes.
func sameFile(f *os.File, want fs.FileInfo) error {
	got, err := f.Stat()
	if err != nil {
		return err
	}
	if !os.SameFile(got, want) {
		return fmt.Errorf("%s: replaced while being copied", f.Name())
	}
	return nil
}

// splitTarget splits a local target into the directory to root the
// download at and the target's name inside it ("." for the root itself).
func splitTarget(target string) (dir, name string) {
	t := filepath.Clean(target)
	name = filepath.Base(t)
	if !filepath.IsLocal(name) || name == "." {
		return t, "."
	}
	return filepath.Dir(t), name
}
