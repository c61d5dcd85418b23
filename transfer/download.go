package transfer

import (
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"time"
)

// specialBits are dropped from downloads unless KeepSpecialBits.
const specialBits = fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// download copies the plan from the remote src to the local target,
// writing only under target's directory (see localTree).
func (cp *copier) download(src, target string) error {
	dir, top := splitTarget(target)
	lt, err := openLocalTree(dir)
	if err != nil {
		return err
	}
	defer lt.Close()
	for _, e := range cp.plan.entries {
		remote, local := path.Join(src, e.rel), filepath.Join(top, filepath.FromSlash(e.rel))
		switch e.kind {
		case kindDir:
			err = lt.mkdir(local)
		case kindFile:
			err = cp.downloadFile(lt, remote, local, e)
		case kindSymlink:
			err = lt.symlink(local, e.link)
		}
		if err != nil {
			return err
		}
	}
	for i := len(cp.plan.entries) - 1; i >= 0; i-- { // directories last, children first
		if e := cp.plan.entries[i]; e.kind == kindDir {
			if err := lt.setDir(filepath.Join(top, filepath.FromSlash(e.rel)), cp.localMode(e), cp.mtime(e)); err != nil {
				return err
			}
		}
	}
	cp.progress("", 0, false)
	return nil
}

// localMode is the mode a downloaded entry gets.
func (cp *copier) localMode(e entry) fs.FileMode {
	if cp.opts.KeepSpecialBits {
		return e.mode
	}
	return e.mode &^ specialBits
}

// mtime is the time to give a copy, or zero to leave it.
func (cp *copier) mtime(e entry) time.Time {
	if cp.opts.PreserveTimes {
		return e.mtime
	}
	return time.Time{}
}

// downloadFile writes one file to a new temporary file (mode 0600)
// beside local, sets its mode on the open file, checks it, and renames
// it over local.
func (cp *copier) downloadFile(lt *localTree, remote, local string, e entry) error {
	tmp, name, err := lt.createTemp(local)
	if err != nil {
		return err
	}
	sum, err := cp.readRemote(remote, tmp)
	if err == nil {
		err = tmp.Chmod(cp.localMode(e))
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = lt.chtimes(name, cp.mtime(e))
	}
	if err == nil {
		err = cp.verify(remote, sum)
	}
	if err != nil {
		lt.root.Remove(name)
		return err
	}
	return lt.commit(name, local)
}

// readRemote copies the remote file to w and returns its SHA-256.
func (cp *copier) readRemote(remote string, w io.Writer) (string, error) {
	in, err := cp.f.Open(remote)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", remote, err)
	}
	defer in.Close()
	m := newMeter(cp, remote)
	if _, err := in.WriteTo(m.writer(w)); err != nil {
		return "", fmt.Errorf("read %s: %w", remote, err)
	}
	cp.progress(remote, 0, true)
	return m.hex(), nil
}
