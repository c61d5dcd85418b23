//go:build linux

package qemuvm

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
)

// entry is one file of an initramfs: a regular file (Data), a directory
// (Dir) or a symbolic link (Link).
type entry struct {
	Path string // without a leading slash: "bin/busybox"
	Mode fs.FileMode
	Data []byte
	Link string
	Dir  bool
}

// tree is an initramfs being put together: entries by path, and the
// directories above them made implicitly.
type tree map[string]*entry

// file adds a regular file with the permission bits perm.
func (t tree) file(path string, perm fs.FileMode, data []byte) {
	t.parents(path)
	t[path] = &entry{Path: path, Mode: perm, Data: data}
}

// link adds a symbolic link to target.
func (t tree) link(path, target string) {
	t.parents(path)
	t[path] = &entry{Path: path, Mode: 0o777, Link: target}
}

// dir adds a directory with the permission bits perm.
func (t tree) dir(path string, perm fs.FileMode) {
	t.parents(path)
	t[path] = &entry{Path: path, Mode: perm, Dir: true}
}

// parents adds the missing directories above path, mode 0755.
func (t tree) parents(path string) {
	for i := strings.LastIndexByte(path, '/'); i > 0; i = strings.LastIndexByte(path[:i], '/') {
		if _, ok := t[path[:i]]; ok {
			return
		}
		t[path[:i]] = &entry{Path: path[:i], Mode: 0o755, Dir: true}
	}
}

// writeCPIO writes the tree as a cpio archive in the "newc" format that
// the kernel unpacks as an initramfs, parents before children, all owned
// by root.
func writeCPIO(w io.Writer, t tree) error {
	paths := make([]string, 0, len(t))
	for p := range t {
		paths = append(paths, p)
	}
	sort.Strings(paths) // "a" sorts before "a/b"
	bw := bufio.NewWriter(w)
	for i, p := range paths {
		if err := writeEntry(bw, t[p], uint32(i+1)); err != nil {
			return err
		}
	}
	if err := writeEntry(bw, &entry{Path: "TRAILER!!!"}, 0); err != nil {
		return err
	}
	return bw.Flush()
}

// cpio mode bits of the file types.
const (
	cpioDir  = 0o040000
	cpioFile = 0o100000
	cpioLink = 0o120000
)

// writeEntry writes one newc header, the name and the data, each padded
// to four bytes.
func writeEntry(w io.Writer, e *entry, ino uint32) error {
	mode, data, nlink := uint32(cpioFile), e.Data, uint32(1)
	switch {
	case e.Dir:
		mode, nlink = cpioDir, 2
	case e.Link != "":
		mode, data = cpioLink, []byte(e.Link)
	}
	if e.Path == "TRAILER!!!" {
		mode = 0
	}
	mode |= uint32(e.Mode.Perm())
	name := e.Path + "\x00"
	// magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
	// devminor, rdevmajor, rdevminor, namesize, check
	hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(name), 0)
	for _, b := range [][]byte{[]byte(hdr + name), data} {
		if _, err := w.Write(b); err != nil {
			return err
		}
		if _, err := w.Write(make([]byte, pad4(len(b)))); err != nil {
			return err
		}
	}
	return nil
}

// pad4 returns how many bytes bring n to a multiple of four.
func pad4(n int) int { return (4 - n%4) % 4 }
