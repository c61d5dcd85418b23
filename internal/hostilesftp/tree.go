package hostilesftp

import (
	"io/fs"
	"path"
	"time"
)

// Entry is one name in a scripted directory listing.
type Entry struct {
	Name string      // exactly as listed: may be "x/..", "/", "" or a repeat
	Mode fs.FileMode // type and permission bits, setuid and the like included
	Data []byte      // a regular file's contents
	Link string      // a symbolic link's target
}

// Tree scripts what the server shows: the listing of each directory, by
// its absolute, clean path, in the order sent. A path that is a key is a
// directory (mode 0755). Any other path is the first listed entry that
// path.Join(dir, Name) names, so a listing may lie about where its names
// lead.
type Tree map[string][]Entry

// mtime is every entry's modification time.
var mtime = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

// info is the fs.FileInfo that the server sends for an entry.
type info struct{ e Entry }

func (i info) Name() string       { return i.e.Name }
func (i info) Size() int64        { return int64(len(i.e.Data)) }
func (i info) Mode() fs.FileMode  { return i.e.Mode }
func (i info) ModTime() time.Time { return mtime }
func (i info) IsDir() bool        { return i.e.Mode.IsDir() }
func (i info) Sys() any           { return nil }

// lookup finds what p names, and whether it exists: a directory if p is
// a key, else the first listed entry that names p.
func (t Tree) lookup(p string) (Entry, bool) {
	if _, ok := t[path.Clean(p)]; ok {
		return Entry{Name: path.Base(p), Mode: fs.ModeDir | 0o755}, true
	}
	return t.find(p, func(Entry) bool { return true })
}

// find returns the first listed entry that names p and passes keep.
func (t Tree) find(p string, keep func(Entry) bool) (Entry, bool) {
	p = path.Clean(p)
	for dir, list := range t {
		for _, e := range list {
			if path.Join(dir, e.Name) == p && keep(e) {
				return e, true
			}
		}
	}
	return Entry{}, false
}

// listing returns the listing of dir as file infos.
func (t Tree) listing(dir string) ([]fs.FileInfo, bool) {
	list, ok := t[path.Clean(dir)]
	if !ok {
		return nil, false
	}
	infos := make([]fs.FileInfo, len(list))
	for i, e := range list {
		infos[i] = info{e}
	}
	return infos, true
}
