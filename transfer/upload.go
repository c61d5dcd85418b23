package transfer

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"time"
)

// upload copies the plan from the local src to the remote dst.
func (cp *copier) upload(src, dst string) error {
	defer cp.removeStaging()
	for _, e := range cp.plan.entries {
		local, remote := filepath.Join(src, filepath.FromSlash(e.rel)), path.Join(dst, e.rel)
		var err error
		switch e.kind {
		case kindDir:
			err = cp.remoteDir(remote)
		case kindFile:
			err = cp.uploadFile(local, remote, e)
		case kindSymlink:
			err = cp.remoteSymlink(remote, e)
		}
		if err != nil {
			return err
		}
	}
	return cp.finishRemoteDirs(dst)
}

// remoteDir makes sure a directory exists.
func (cp *copier) remoteDir(dir string) error {
	if st, err := cp.f.Stat(dir); err == nil && st.IsDir() {
		return nil
	}
	if err := cp.f.Mkdir(dir); err != nil {
		return fmt.Errorf("mkdir %s: %w", dir, err)
	}
	return nil
}

// finishRemoteDirs sets the directories' modes (and times) last, children
// first, so that read-only directories could still be filled.
func (cp *copier) finishRemoteDirs(dst string) error {
	for i := len(cp.plan.entries) - 1; i >= 0; i-- {
		e := cp.plan.entries[i]
		if e.kind != kindDir {
			continue
		}
		if err := cp.setRemoteAttrs(path.Join(dst, e.rel), e); err != nil {
			return err
		}
	}
	cp.progress("", 0, false)
	return nil
}

func (cp *copier) setRemoteAttrs(p string, e entry) error {
	if err := cp.f.Chmod(p, e.mode); err != nil {
		return fmt.Errorf("chmod %s: %w", p, err)
	}
	if cp.opts.PreserveTimes {
		if err := cp.f.Chtimes(p, time.Now(), e.mtime); err != nil {
			return fmt.Errorf("chtimes %s: %w", p, err)
		}
	}
	return nil
}

// uploadFile writes one file under a temporary name in the staging
// directory, checks it, and renames it over remote.
func (cp *copier) uploadFile(local, remote string, e entry) error {
	stage, err := cp.stagingDir(path.Dir(remote))
	if err != nil {
		return err
	}
	tmp := path.Join(stage, path.Base(remote))
	err = cp.writeRemote(local, tmp, e)
	if err == nil {
		err = cp.rename(tmp, remote)
	}
	if err != nil {
		_ = cp.f.Remove(tmp)
	}
	return err
}

func (cp *copier) writeRemote(local, tmp string, e entry) error {
	in, err := os.Open(local)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := cp.f.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	m := newMeter(cp, local)
	_, err = out.ReadFromWithConcurrency(m.reader(in), 0)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	cp.progress(local, 0, true)
	if err := cp.setRemoteAttrs(tmp, e); err != nil {
		return err
	}
	return cp.verify(tmp, m.hex())
}

// rename moves tmp over dst atomically where the server can
// (posix-rename@openssh.com), else removes dst first.
func (cp *copier) rename(tmp, dst string) error {
	if _, ok := cp.f.HasExtension("posix-rename@openssh.com"); ok {
		if err := cp.f.PosixRename(tmp, dst); err != nil {
			return fmt.Errorf("rename %s to %s: %w", tmp, dst, err)
		}
		return nil
	}
	_ = cp.f.Remove(dst)
	if err := cp.f.Rename(tmp, dst); err != nil {
		return fmt.Errorf("rename %s to %s: %w", tmp, dst, err)
	}
	return nil
}

// remoteSymlink makes a symbolic link, replacing what was at p.
func (cp *copier) remoteSymlink(p string, e entry) error {
	stage, err := cp.stagingDir(path.Dir(p))
	if err != nil {
		return err
	}
	tmp := path.Join(stage, path.Base(p))
	if err := cp.f.Symlink(e.link, tmp); err != nil {
		return fmt.Errorf("symlink %s: %w", p, err)
	}
	return cp.rename(tmp, p)
}

// stagingDir returns dir's private staging directory, making it (mode
// 0700, so that nobody else can open a file while it is written) on
// first use.
func (cp *copier) stagingDir(dir string) (string, error) {
	if s, ok := cp.staging[dir]; ok {
		return s, nil
	}
	s := path.Join(dir, tempSuffix())
	if err := cp.f.Mkdir(s); err != nil {
		return "", fmt.Errorf("mkdir %s: %w", s, err)
	}
	if cp.staging == nil {
		cp.staging = map[string]string{}
	}
	cp.staging[dir] = s
	if err := cp.f.Chmod(s, 0o700); err != nil {
		return "", fmt.Errorf("chmod %s: %w", s, err)
	}
	return s, nil
}

// removeStaging removes the staging directories, with a new session
// (bounded to a few seconds) if the copy's was closed by its context.
func (cp *copier) removeStaging() {
	if len(cp.staging) == 0 {
		return
	}
	f := cp.f
	if cp.ctx.Err() != nil {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(cp.ctx), 5*time.Second)
		defer cancel()
		nf, err := Open(ctx, cp.c)
		if err != nil {
			return
		}
		defer nf.Close()
		stop := context.AfterFunc(ctx, func() { nf.Close() })
		defer stop()
		f = nf
	}
	for _, s := range cp.staging {
		_ = f.RemoveAll(s)
	}
}
