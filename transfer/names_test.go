package transfer

import (
	"errors"
	"io/fs"
	"runtime"
	"testing"
	"time"
)

func TestUnsafeName(t *testing.T) {
	t.Parallel()
	unsafe := []string{"", ".", "..", "/", "a/b", "x/..", `a\b`, `..\x`, "a\x00b"}
	safe := []string{"a", ".hidden", "..a", "a..", "with space", "ünï", "-rf"}
	if runtime.GOOS == "windows" {
		unsafe = append(unsafe, "C:x", "a:stream", "CON", "nul")
	} else {
		safe = append(safe, "C:x", "CON")
	}
	for _, n := range unsafe {
		if unsafeName(n) == "" {
			t.Errorf("%q accepted", n)
		}
	}
	for _, n := range safe {
		if r := unsafeName(n); r != "" {
			t.Errorf("%q refused: %s", n, r)
		}
	}
}

type nameInfo string

func (n nameInfo) Name() string       { return string(n) }
func (n nameInfo) Size() int64        { return 0 }
func (n nameInfo) Mode() fs.FileMode  { return 0 }
func (n nameInfo) ModTime() time.Time { return time.Time{} }
func (n nameInfo) IsDir() bool        { return false }
func (n nameInfo) Sys() any           { return nil }

func TestCheckListing(t *testing.T) {
	t.Parallel()
	if err := checkListing("/d", []fs.FileInfo{nameInfo("a"), nameInfo("b")}); err != nil {
		t.Errorf("plain listing: %v", err)
	}
	err := checkListing("/d", []fs.FileInfo{nameInfo("a"), nameInfo("b"), nameInfo("a")})
	var ue *UnsafeNameError
	if !errors.As(err, &ue) || ue.Dir != "/d" || ue.Name != "a" || ue.Reason != "listed twice" {
		t.Errorf("repeated name: %#v", err)
	}
	if want := `/d: unsafe name "a" in the listing: listed twice`; err.Error() != want {
		t.Errorf("message %q; want %q", err, want)
	}
}
