package hostilesftp

import (
	"bytes"
	"io"
	"io/fs"
	"os"

	"github.com/pkg/sftp"
)

// handlers serve a Tree read-only through sftp.RequestServer.
type handlers struct{ tree Tree }

func newHandlers(t Tree) sftp.Handlers {
	h := &handlers{tree: t}
	return sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h}
}

// Fileread serves the Data of the first regular file listed under
// the request's path.
func (h *handlers) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	e, ok := h.tree.find(r.Filepath, func(e Entry) bool { return e.Mode.IsRegular() })
	if !ok {
		return nil, os.ErrNotExist
	}
	return bytes.NewReader(e.Data), nil
}

// Filewrite refuses: the server is read-only.
func (h *handlers) Filewrite(*sftp.Request) (io.WriterAt, error) { return nil, os.ErrPermission }

// Filecmd refuses: the server is read-only.
func (h *handlers) Filecmd(*sftp.Request) error { return os.ErrPermission }

// Filelist serves List and Stat; Stat does not follow links.
func (h *handlers) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	if r.Method == "List" {
		infos, ok := h.tree.listing(r.Filepath)
		if !ok {
			return nil, os.ErrNotExist
		}
		return lister(infos), nil
	}
	e, ok := h.tree.lookup(r.Filepath)
	if !ok {
		return nil, os.ErrNotExist
	}
	return lister{info{e}}, nil
}

// Lstat is Stat.
func (h *handlers) Lstat(r *sftp.Request) (sftp.ListerAt, error) { return h.Filelist(r) }

// Readlink returns the Link of the first symbolic link listed under p.
func (h *handlers) Readlink(p string) (string, error) {
	e, ok := h.tree.find(p, func(e Entry) bool { return e.Mode&fs.ModeSymlink != 0 })
	if !ok {
		return "", os.ErrNotExist
	}
	return e.Link, nil
}

// lister is an sftp.ListerAt over a slice.
type lister []fs.FileInfo

func (l lister) ListAt(out []fs.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(out, l[off:])
	if n < len(out) {
		return n, io.EOF
	}
	return n, nil
}
