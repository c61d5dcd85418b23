package control

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
)

// Listen makes the master's socket at path, in a directory this user
// alone may write to (MkdirPrivate creates the default one). The socket
// is made under a temporary name and linked into place, as OpenSSH does,
// so that of two masters starting at once one wins and the other gets
// ErrInUse; a stale socket (nothing answers) is replaced. Closing the
// listener removes the socket.
func Listen(path string) (net.Listener, error) {
	if !supported {
		return nil, ErrUnsupported
	}
	if err := CheckPath(path); err != nil {
		return nil, err
	}
	if err := checkDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := path + "." + hex.EncodeToString(rnd[:])
	if err := CheckPath(tmp); err != nil {
		return nil, err
	}
	ln, err := net.Listen("unix", tmp)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	defer os.Remove(tmp)
	if err := linkSocket(tmp, path); err != nil {
		ln.Close()
		return nil, err
	}
	fi, err := os.Lstat(path)
	if err != nil {
		ln.Close()
		return nil, err
	}
	return &listener{Listener: ln, path: path, fi: fi}, nil
}

// linkSocket links tmp to path, replacing a stale socket there once.
func linkSocket(tmp, path string) error {
	err := os.Link(tmp, path)
	if err == nil || !errors.Is(err, os.ErrExist) {
		return err
	}
	if err := checkSocket(path); err != nil {
		return err
	}
	c, derr := net.Dial("unix", path)
	if derr == nil {
		c.Close()
		return ErrInUse
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return ErrInUse
		}
		return err
	}
	return nil
}

// listener removes its socket on Close, if it is still its own.
type listener struct {
	net.Listener
	path string
	fi   os.FileInfo
	once sync.Once
}

func (l *listener) Close() error {
	err := l.Listener.Close()
	l.once.Do(func() {
		if fi, serr := os.Lstat(l.path); serr == nil && os.SameFile(fi, l.fi) {
			os.Remove(l.path)
		}
	})
	return err
}

// ListenAndServe is Listen then m.Serve, for callers with nothing to do
// between them.
func ListenAndServe(ctx context.Context, path string, m *Master) error {
	ln, err := Listen(path)
	if err != nil {
		return err
	}
	return m.Serve(ctx, ln)
}
