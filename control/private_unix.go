//go:build linux || darwin || freebsd

package control

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// supported reports whether this platform can share connections.
const supported = true

// MkdirPrivate creates dir (and its parents) with mode 0700 if missing,
// and checks that dir is this user's alone (see checkDir).
func MkdirPrivate(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("control socket directory: %w", err)
	}
	return checkDir(dir)
}

// checkDir refuses a directory that is not owned by this user or that
// others may write to.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("control socket directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: %s is not a directory", ErrUntrusted, dir)
	}
	if err := ownedByMe(fi, dir); err != nil {
		return err
	}
	if fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0 {
		return fmt.Errorf("%w: others may write to %s (mode %v)", ErrUntrusted, dir, fi.Mode().Perm())
	}
	return nil
}

// checkSocket refuses a path that is not a socket this user owns, in a
// directory checkDir accepts. It returns ErrNoMaster when nothing is there.
func checkSocket(path string) error {
	fi, err := os.Lstat(path)
	if os.IsNotExist(err) {
		return ErrNoMaster
	}
	if err != nil {
		return err
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%w: %s is not a socket", ErrUntrusted, path)
	}
	if err := ownedByMe(fi, path); err != nil {
		return err
	}
	return checkDir(filepath.Dir(path))
}

// ownedByMe refuses a file another user owns.
func ownedByMe(fi fs.FileInfo, path string) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%w: cannot read the owner of %s", ErrUntrusted, path)
	}
	if int(st.Uid) != os.Getuid() {
		return fmt.Errorf("%w: %s belongs to uid %d", ErrUntrusted, path, st.Uid)
	}
	return nil
}
