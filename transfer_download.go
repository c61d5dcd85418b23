package vmconn

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"time"
)

// download copies the plan from the remote src to the local dst.
func (cp *copier) download(src, dst string) error {
	for _, e := range cp.plan.entries {
		remote, local := path.Join(src, e.rel), filepath.Join(dst, filepath.FromSlash(e.rel))
		var err error
		switch e.kind {
		case kindDir:
			err = localDir(local)
		case kindFile:
			err = cp.downloadFile(remote, local, e)
		case kindSymlink:
			err = localSymlink(local, e.link)
		}
		if err != nil {
			return err
		}
	}
	for i := len(cp.plan.entries) - 1; i >= 0; i-- { // directories last, children first
		if e := cp.plan.entries[i]; e.kind == kindDir {
			if err := cp.setLocalAttrs(filepath.Join(dst, filepath.FromSlash(e.rel)), e); err != nil {
				return err
			}
		}
	}
	cp.progress("", 0, false)
	return nil
}

func localDir(dir string) error {
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return nil
	}
	return os.Mkdir(dir, 0o700)
}

func (cp *copier) setLocalAttrs(p string, e entry) error {
	if err := os.Chmod(p, e.mode); err != nil {
		return err
	}
	if cp.opts.PreserveTimes {
		return os.Chtimes(p, time.Now(), e.mtime)
	}
	return nil
}

// downloadFile writes one file to a temporary file (mode 0600) beside
// local, checks it, and renames it over local.
func (cp *copier) downloadFile(remote, local string, e entry) error {
	tmp, err := os.CreateTemp(filepath.Dir(local), "."+filepath.Base(local)+".vmconn-tmp-*")
	if err != nil {
		return err
	}
	err = cp.readRemote(remote, tmp, e)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), local)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

func (cp *copier) readRemote(remote string, tmp *os.File, e entry) error {
	in, err := cp.f.Open(remote)
	if err != nil {
		return fmt.Errorf("open %s: %w", remote, err)
	}
	defer in.Close()
	m := newMeter(cp, remote)
	if _, err := in.WriteTo(m.writer(tmp)); err != nil {
		return fmt.Errorf("read %s: %w", remote, err)
	}
	cp.progress(remote, 0, true)
	if err := cp.setLocalAttrs(tmp.Name(), e); err != nil {
		return err
	}
	return cp.verify(remote, m.hex())
}

// localSymlink makes a symbolic link, replacing what was at p.
func localSymlink(p, target string) error {
	tmp := filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+tempSuffix())
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
