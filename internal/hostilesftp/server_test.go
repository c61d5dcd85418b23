package hostilesftp

import (
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"io/fs"
	"os"
	"testing"

	"github.com/pkg/sftp"
	"go.uber.org/goleak"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// dial opens an SFTP client to s with x/crypto and pkg/sftp directly.
func dial(t *testing.T, s *Server) *sftp.Client {
	t.Helper()
	pem, err := os.ReadFile(s.ClientKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	hk, err := knownhosts.New(s.KnownHostsFile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ssh.Dial("tcp", s.Addr, &ssh.ClientConfig{User: s.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: hk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	f, err := sftp.NewClient(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestServesScript: the listing arrives as scripted (pkg/sftp's client
// turns "x/.." into ".." with path.Base), files and links resolve, and
// the server refuses writes.
func TestServesScript(t *testing.T) {
	t.Parallel()
	s := Start(t, Tree{"/top": {
		{Name: "x/..", Mode: fs.ModeDir | 0o777},
		{Name: "lnk", Mode: fs.ModeSymlink | 0o777, Link: "/etc"},
		{Name: "lnk", Mode: fs.ModeDir | 0o755},
		{Name: "suid", Mode: fs.ModeSetuid | 0o755, Data: []byte("#!/bin/sh\n")},
	}})
	f := dial(t, s)
	infos, err := f.ReadDir("/top")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, i := range infos {
		got = append(got, i.Name()+" "+i.Mode().String())
	}
	want := []string{".. drwxrwxrwx", "lnk Lrwxrwxrwx", "lnk drwxr-xr-x", "suid urwxr-xr-x"}
	if len(got) != len(want) {
		t.Fatalf("listing %q; want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: %q; want %q", i, got[i], want[i])
		}
	}
	if l, err := f.ReadLink("/top/lnk"); err != nil || l != "/etc" {
		t.Errorf("ReadLink = %q, %v", l, err)
	}
	r, err := f.Open("/top/suid")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if b, err := io.ReadAll(r); err != nil || string(b) != "#!/bin/sh\n" {
		t.Errorf("read %q, %v", b, err)
	}
	if _, err := f.Create("/top/new"); err == nil {
		t.Error("a write was accepted")
	}
}

// TestRefusesOtherKeys: only the generated client key logs in.
func TestRefusesOtherKeys(t *testing.T) {
	t.Parallel()
	s := Start(t, Tree{})
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ClientConfig{User: s.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: ssh.InsecureIgnoreHostKey()}
	if c, err := ssh.Dial("tcp", s.Addr, cfg); err == nil {
		c.Close()
		t.Fatal("a stranger's key was accepted")
	}
}
