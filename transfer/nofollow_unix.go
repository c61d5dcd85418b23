//go:build unix

package transfer

import (
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// openNoFollow opens name under root with O_NOFOLLOW on its last
// component: a symbolic link there is an error (ELOOP), never followed.
// The directories above it are resolved by root, so never outside it.
func openNoFollow(root *os.Root, name string, flag int, perm fs.FileMode) (*os.File, error) {
	dir, err := root.Open(filepath.Dir(name))
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	flag |= unix.O_NOFOLLOW | unix.O_CLOEXEC
	fd, err := unix.Openat(int(dir.Fd()), filepath.Base(name), flag, uint32(perm.Perm()))
	for i := 0; err == unix.EINTR && i < 100; i++ {
		fd, err = unix.Openat(int(dir.Fd()), filepath.Base(name), flag, uint32(perm.Perm()))
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: filepath.Join(root.Name(), name), Err: err}
	}
	return os.NewFile(uintptr(fd), filepath.Join(root.Name(), name)), nil
}
