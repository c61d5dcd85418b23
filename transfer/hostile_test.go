package transfer_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/hostilesftp"
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/transfer"
)

// Downloads from a server whose listings lie: nothing outside the
// destination may change, byte for byte and mode for mode.

// snapshot records every path under root except those under skip: mode,
// contents and link target.
func snapshot(t *testing.T, root, skip string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == skip {
			return filepath.SkipDir
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		v := st.Mode().String()
		switch {
		case st.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			v += " " + string(b)
		case st.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			v += " -> " + l
		}
		m[p] = v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sameSnapshot(t *testing.T, before, after map[string]string) {
	t.Helper()
	for p, v := range after {
		if w, ok := before[p]; !ok {
			t.Errorf("created outside the destination: %s (%s)", p, v)
		} else if v != w {
			t.Errorf("changed outside the destination: %s: %s, was %s", p, v, w)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("removed outside the destination: %s", p)
		}
	}
}

// hostileLayout makes base/victim (a directory with a file),
// base/in/keep and returns base and the destination base/in/dest (not
// yet made).
func hostileLayout(t *testing.T) (base, dst string) {
	base = t.TempDir()
	testkit.WriteFile(t, filepath.Join(base, "victim", "file"), []byte("victim data"), 0o640)
	testkit.WriteFile(t, filepath.Join(base, "in", "keep"), []byte("keep"), 0o600)
	os.Chmod(filepath.Join(base, "victim"), 0o750)
	os.Chmod(filepath.Join(base, "in"), 0o750)
	os.Chmod(base, 0o750)
	return base, filepath.Join(base, "in", "dest")
}

const (
	dirMode  = fs.ModeDir | 0o777
	linkMode = fs.ModeSymlink | 0o777
)

func file(name, data string) hostilesftp.Entry {
	return hostilesftp.Entry{Name: name, Mode: 0o666, Data: []byte(data)}
}

// hostileTrees are listings that try to climb out of, or write through
// a link planted in, the destination of a download of /a/b/top. victim
// is replaced by the absolute path of a local directory outside it.
func hostileTrees(victim string) map[string]hostilesftp.Tree {
	return map[string]hostilesftp.Tree{
		"dot-dot": { // "x/.." is ".." after path.Base: two levels up
			"/a/b/top": {file("ok", "fine"), {Name: "x/..", Mode: dirMode}},
			"/a/b":     {file("pwned", "pwned1"), {Name: "y/..", Mode: dirMode}},
			"/a":       {file("pwned", "pwned2")},
		},
		"link-then-dir": {
			"/a/b/top":     {{Name: "lnk", Mode: linkMode, Link: victim}, {Name: "lnk", Mode: dirMode}},
			"/a/b/top/lnk": {file("file", "pwned"), file("new", "pwned")},
		},
		"dir-then-link": {
			"/a/b/top":     {{Name: "lnk", Mode: dirMode}, {Name: "lnk", Mode: linkMode, Link: victim}},
			"/a/b/top/lnk": {file("file", "pwned")},
		},
		"repeated file": {"/a/b/top": {file("f", "one"), file("f", "two")}},
		"backslash":     {"/a/b/top": {file(`..\..\pwned`, "pwned")}},
		"empty name":    {"/a/b/top": {file("", "pwned")}},
		"nul":           {"/a/b/top": {file("a\x00b", "pwned")}},
	}
}

// TestDownloadHostileListing: every lying listing fails with an
// *UnsafeNameError naming the entry and changes nothing outside the
// destination.
func TestDownloadHostileListing(t *testing.T) {
	t.Parallel()
	for name := range hostileTrees("") {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			base, dst := hostileLayout(t)
			tree := hostileTrees(filepath.Join(base, "victim"))[name]
			c := testkit.DialHostileSFTP(t, hostilesftp.Start(t, tree))
			before := snapshot(t, base, dst)
			err := transfer.Download(testkit.Ctx(t), c, "/a/b/top", dst, nil)
			sameSnapshot(t, before, snapshot(t, base, dst))
			var ue *transfer.UnsafeNameError
			if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), "vmconn: download: ") {
				t.Fatalf("Download = %v; want an *UnsafeNameError", err)
			}
			t.Logf("error: %v", err)
		})
	}
}

// TestDownloadKeepsOutOfLocalLinks: a symbolic link already in the
// destination is never followed: where the download puts a directory it
// is an error, where it puts a file it is replaced.
func TestDownloadKeepsOutOfLocalLinks(t *testing.T) {
	t.Parallel()
	base, dst := hostileLayout(t)
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(base, "victim"), filepath.Join(dst, "lnk")); err != nil {
		t.Fatal(err)
	}
	tree := hostilesftp.Tree{
		"/top": {{Name: "lnk", Mode: dirMode}}, "/top/lnk": {file("file", "fine")},
		"/lnk":  {file("file", "pwned")},
		"/top2": {file("f", "fine")},
	}
	c := testkit.DialHostileSFTP(t, hostilesftp.Start(t, tree))
	before := snapshot(t, base, filepath.Join(dst, "top"))
	err := transfer.Download(testkit.Ctx(t), c, "/top", dst+"/", nil)
	sameSnapshot(t, before, snapshot(t, base, filepath.Join(dst, "top")))
	if err != nil {
		t.Fatalf("Download: %v", err) // no link is in the way: dst/top is new
	}
	before = snapshot(t, base, "")
	err = transfer.Download(testkit.Ctx(t), c, "/lnk", dst+"/", nil)
	sameSnapshot(t, before, snapshot(t, base, ""))
	if err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("Download into a local link = %v; want a refusal", err)
	}
	// A link where a file goes is replaced, not written through.
	testkit.WriteFile(t, filepath.Join(dst, "top2", "x"), nil, 0o600)
	if err := os.Symlink(filepath.Join(base, "victim", "file"), filepath.Join(dst, "top2", "f")); err != nil {
		t.Fatal(err)
	}
	before = snapshot(t, base, filepath.Join(dst, "top2"))
	if err := transfer.Download(testkit.Ctx(t), c, "/top2", dst+"/", nil); err != nil {
		t.Fatalf("Download over a local link: %v", err)
	}
	sameSnapshot(t, before, snapshot(t, base, filepath.Join(dst, "top2")))
	if st, err := os.Lstat(filepath.Join(dst, "top2", "f")); err != nil || !st.Mode().IsRegular() {
		t.Errorf("top2/f: %v, %v; want the downloaded file in place of the link", st, err)
	}
}

// TestDownloadSpecialBits: setuid, setgid and sticky bits are dropped
// unless KeepSpecialBits asks for them.
func TestDownloadSpecialBits(t *testing.T) {
	t.Parallel()
	tree := hostilesftp.Tree{"/top": {
		{Name: "suid", Mode: fs.ModeSetuid | 0o755, Data: []byte("x")},
		{Name: "sgid", Mode: fs.ModeSetgid | 0o750, Data: []byte("y")},
		{Name: "sticky", Mode: fs.ModeDir | fs.ModeSticky | 0o777},
	}, "/top/sticky": {}}
	c := testkit.DialHostileSFTP(t, hostilesftp.Start(t, tree))
	for _, keep := range []bool{false, true} {
		dst := filepath.Join(t.TempDir(), "top")
		if err := transfer.Download(testkit.Ctx(t), c, "/top", dst, &transfer.Options{KeepSpecialBits: keep}); err != nil {
			t.Fatalf("Download (keep %v): %v", keep, err)
		}
		want := map[string]fs.FileMode{"suid": 0o755, "sgid": 0o750, "sticky": fs.ModeDir | 0o777}
		if keep {
			want = map[string]fs.FileMode{"suid": fs.ModeSetuid | 0o755, "sgid": fs.ModeSetgid | 0o750, "sticky": fs.ModeDir | fs.ModeSticky | 0o777}
		}
		for name, mode := range want {
			st, err := os.Lstat(filepath.Join(dst, name))
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode() != mode {
				t.Errorf("keep %v: %s: mode %v; want %v", keep, name, st.Mode(), mode)
			}
		}
	}
}

// TestDownloadEndlessTree: a server that lists directories without end
// (here deeper than any real tree) is refused before anything is written,
// instead of growing the plan until memory runs out.
func TestDownloadEndlessTree(t *testing.T) {
	t.Parallel()
	tree := hostilesftp.Tree{}
	dir := "/top"
	for range 300 {
		tree[dir] = []hostilesftp.Entry{{Name: "d", Mode: dirMode}}
		dir += "/d"
	}
	tree[dir] = nil
	c := testkit.DialHostileSFTP(t, hostilesftp.Start(t, tree))
	dst := t.TempDir()
	err := transfer.Download(testkit.Ctx(t), c, "/top", dst+"/", nil)
	if err == nil || !strings.Contains(err.Error(), "directory levels") {
		t.Fatalf("Download of an endless tree = %v; want a refusal", err)
	}
	if names, _ := os.ReadDir(dst); len(names) != 0 {
		t.Fatalf("the refused download wrote %d entries", len(names))
	}
}
