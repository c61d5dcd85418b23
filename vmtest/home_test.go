package vmtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkg/sftp"
)

// TestOwnHome: by default commands get a home of the server's own, with
// the XDG directories and TMPDIR beneath it, start in it, and Close
// removes it with what they wrote there.
func TestOwnHome(t *testing.T) {
	t.Parallel()
	requireSupported(t)
	s := NewServer()
	defer s.Close()
	c := dial(t, s)
	out := mustRun(t, c, `printf '%s\n' "$HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR" "$TMPDIR" "$(pwd -P)" "$(mktemp)"`)
	home, err := filepath.EvalSymlinks(s.Home())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{s.Home(), s.Home() + "/.cache", s.Home() + "/.run", s.Home() + "/tmp", home, s.Home() + "/tmp/"}
	if len(lines) != len(want) {
		t.Fatalf("output %q", out)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want %q", i, lines[i], w)
		}
	}
	if filepath.Dir(s.Home()) != filepath.Dir(s.ClientKeyFile()) {
		t.Errorf("home %s is not beside the server's files", s.Home())
	}
	s.Close()
	if _, err := os.Stat(s.Home()); !os.IsNotExist(err) {
		t.Errorf("home after Close: %v", err)
	}
}

// TestSFTP: the sftp subsystem serves the local file system, relative
// paths from the server's home.
func TestSFTP(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := dial(t, s)
	sc, err := sftp.NewClient(c)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	f, err := sc.Create("uploaded")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("over sftp")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(s.Home(), "uploaded")); err != nil || string(b) != "over sftp" {
		t.Errorf("file in home: %q, %v", b, err)
	}
	if wd, err := sc.Getwd(); err != nil || wd != s.Home() {
		t.Errorf("Getwd = %q, %v; want %q", wd, err, s.Home())
	}
	if _, err := sc.Stat("missing"); !os.IsNotExist(err) {
		t.Errorf("Stat missing: %v", err)
	}
}
