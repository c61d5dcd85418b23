package transfer

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/vmconn/vmconn"
)

// entryKind is what one entry of a copy is.
type entryKind int

const (
	kindDir entryKind = iota
	kindFile
	kindSymlink
)

// entry is one thing to copy, named relative to the top of the copy.
type entry struct {
	rel   string // slash-separated; "" for the top itself
	kind  entryKind
	mode  fs.FileMode // permission bits, with setuid, setgid and sticky
	size  int64
	mtime time.Time
	link  string // a symlink's target
}

// plan lists what to copy, parents before children, and the totals for
// progress reports.
type plan struct {
	entries []entry
	total   int64
	files   int
}

// permBits keeps the bits that a copy carries over.
const permBits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

func (p *plan) add(rel string, st fs.FileInfo, link string) error {
	e := entry{rel: rel, mode: st.Mode() & permBits, size: st.Size(), mtime: st.ModTime(), link: link}
	switch {
	case st.IsDir():
		e.kind, e.size = kindDir, 0
	case st.Mode().IsRegular():
		e.kind = kindFile
		p.total += e.size
		p.files++
	case st.Mode()&fs.ModeSymlink != 0:
		e.kind, e.size = kindSymlink, 0
	default:
		return fmt.Errorf("%s: not a regular file, directory or symbolic link (%v): %w", rel, st.Mode().Type(), vmconn.ErrConfig)
	}
	p.entries = append(p.entries, e)
	return nil
}

// planLocal lists the local tree at src, whose (followed) stat is st.
func planLocal(src string, st fs.FileInfo) (*plan, error) {
	p := &plan{}
	if err := p.add("", st, ""); err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return p, nil
	}
	return p, p.walkLocal(src, "")
}

func (p *plan) walkLocal(dir, rel string) error {
	names, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, d := range names {
		full, r := filepath.Join(dir, d.Name()), path.Join(rel, d.Name())
		st, err := os.Lstat(full)
		if err != nil {
			return err
		}
		var link string
		if st.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(full); err != nil {
				return err
			}
		}
		if err := p.add(r, st, link); err != nil {
			return err
		}
		if st.IsDir() {
			if err := p.walkLocal(full, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// planRemote lists the remote tree at src, whose (followed) stat is st.
func planRemote(f *SFTP, src string, st fs.FileInfo) (*plan, error) {
	p := &plan{}
	if err := p.add("", st, ""); err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return p, nil
	}
	return p, p.walkRemote(f, src, "", 0)
}

// A remote tree is listed into memory before anything is written, so a
// broken or hostile server that lists directories without end must not
// exhaust memory: a download refuses trees deeper or larger than these.
const (
	maxRemoteDepth   = 256
	maxRemoteEntries = 1 << 20
)

func (p *plan) walkRemote(f *SFTP, dir, rel string, depth int) error {
	if depth >= maxRemoteDepth {
		return fmt.Errorf("%s: more than %d directory levels; refusing the download: %w", dir, maxRemoteDepth, vmconn.ErrConfig)
	}
	infos, err := f.ReadDir(dir) // lstat information
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if len(p.entries)+len(infos) > maxRemoteEntries {
		return fmt.Errorf("%s: more than %d entries in the tree; refusing the download: %w", dir, maxRemoteEntries, vmconn.ErrConfig)
	}
	if err := checkListing(dir, infos); err != nil {
		return err
	}
	for _, st := range infos {
		full, r := path.Join(dir, st.Name()), path.Join(rel, st.Name())
		var link string
		if st.Mode()&fs.ModeSymlink != 0 {
			if link, err = f.ReadLink(full); err != nil {
				return fmt.Errorf("%s: %w", full, err)
			}
		}
		if err := p.add(r, st, link); err != nil {
			return err
		}
		if st.IsDir() {
			if err := p.walkRemote(f, full, r, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}
