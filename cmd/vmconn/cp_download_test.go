package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/hostilesftp"
)

// hostileConfig writes an ssh_config naming s "hostile".
func hostileConfig(t *testing.T, s *hostilesftp.Server) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "ssh_config")
	text := fmt.Sprintf("Host hostile\n HostName %s\n Port %d\n User %s\n IdentityFile %s\n UserKnownHostsFile %s\n IdentitiesOnly yes\n",
		s.Host, s.Port, s.User, s.ClientKeyFile, s.KnownHostsFile)
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// treeState records mode, contents and link target of every path under
// root, except under skip.
func treeState(t *testing.T, root, skip string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == skip {
			if err == nil {
				err = filepath.SkipDir
			}
			return err
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		data, _ := os.ReadFile(p)
		link, _ := os.Readlink(p)
		fmt.Fprintf(&b, "%s %v %q %q\n", p, st.Mode(), data, link)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestCpHostileServer: "cp -r" from a server whose listing climbs out
// with "x/.." or writes through a symlink fails with exit 1, names the
// entry, and leaves everything outside the destination as it was.
func TestCpHostileServer(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	victim := filepath.Join(base, "victim")
	if err := os.Mkdir(victim, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(victim, "file"), []byte("victim"), 0o640); err != nil {
		t.Fatal(err)
	}
	s := hostilesftp.Start(t, hostilesftp.Tree{
		"/a/b/climb": {{Name: "x/..", Mode: fs.ModeDir | 0o777}},
		"/a/b":       {{Name: "pwned", Mode: 0o666, Data: []byte("pwned")}, {Name: "y/..", Mode: fs.ModeDir | 0o777}},
		"/a":         {{Name: "pwned", Mode: 0o666, Data: []byte("pwned")}},
		"/link":      {{Name: "lnk", Mode: fs.ModeSymlink | 0o777, Link: victim}, {Name: "lnk", Mode: fs.ModeDir | 0o777}},
		"/link/lnk":  {{Name: "file", Mode: 0o666, Data: []byte("pwned")}},
		"/suid":      {{Name: "run", Mode: fs.ModeSetuid | 0o755, Data: []byte("#!/bin/sh\n")}},
	})
	config := hostileConfig(t, s)
	for _, src := range []string{"/a/b/climb", "/link"} {
		dst := filepath.Join(base, "in", "dest")
		os.MkdirAll(filepath.Dir(dst), 0o750)
		before := treeState(t, base, dst)
		_, stderr, code := cliRun(t, "cp", "-F", config, "-q", "-r", "hostile:"+src, dst)
		if code != 1 || !strings.Contains(stderr, "unsafe name") {
			t.Errorf("cp -r %s: exit %d, stderr %q", src, code, stderr)
		}
		if after := treeState(t, base, dst); after != before {
			t.Errorf("cp -r %s changed things outside the destination:\nbefore:\n%safter:\n%s", src, before, after)
		}
	}
	for flag, want := range map[string]fs.FileMode{"-q": 0o755, "--keep-special-bits": fs.ModeSetuid | 0o755} {
		dst := filepath.Join(t.TempDir(), "suid")
		if _, stderr, code := cliRun(t, "cp", "-F", config, flag, "-r", "hostile:/suid", dst); code != 0 {
			t.Fatalf("cp %s: exit %d, %q", flag, code, stderr)
		}
		if st, err := os.Lstat(filepath.Join(dst, "run")); err != nil || st.Mode() != want {
			t.Errorf("cp %s: %v, %v; want mode %v", flag, st, err, want)
		}
	}
}
