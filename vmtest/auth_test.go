package vmtest

import (
	"os"
	"strconv"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{Password: "secret"})
	noPass := newTestServer(t, Options{})
	other, _, err := signerFor(nil)
	if err != nil {
		t.Fatal(err)
	}
	added, _, err := signerFor(nil)
	if err != nil {
		t.Fatal(err)
	}
	s.AddAuthorizedKey(added.PublicKey())
	answer := func(pw string) ssh.AuthMethod {
		return ssh.KeyboardInteractive(func(_, _ string, q []string, _ []bool) ([]string, error) {
			return []string{pw}, nil
		})
	}
	tests := []struct {
		name string
		srv  *Server
		auth ssh.AuthMethod
		ok   bool
	}{
		{"client key", s, ssh.PublicKeys(s.ClientSigner()), true},
		{"added key", s, ssh.PublicKeys(added), true},
		{"unknown key", s, ssh.PublicKeys(other), false},
		{"other server's key", s, ssh.PublicKeys(noPass.ClientSigner()), false},
		{"password", s, ssh.Password("secret"), true},
		{"wrong password", s, ssh.Password("wrong"), false},
		{"keyboard-interactive", s, answer("secret"), true},
		{"wrong keyboard-interactive", s, answer("wrong"), false},
		{"password not configured", noPass, ssh.Password(""), false},
		{"keyboard-interactive not configured", noPass, answer(""), false},
	}
	for _, tt := range tests {
		cfg := clientConfig(tt.srv)
		cfg.User = "anyone"
		cfg.Auth = []ssh.AuthMethod{tt.auth}
		c, err := ssh.Dial("tcp", tt.srv.Addr(), cfg)
		if err == nil {
			c.Close()
		}
		if (err == nil) != tt.ok {
			t.Errorf("%s: err %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestKeyAndKnownHostsFiles(t *testing.T) {
	t.Parallel()
	requireSupported(t)
	s := NewServer()
	defer s.Close()
	st, err := os.Stat(s.ClientKeyFile())
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	pem, err := os.ReadFile(s.ClientKeyFile())
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	hostKeys, err := knownhosts.New(s.KnownHostsFile())
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ClientConfig{User: s.User(), Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: hostKeys}
	c, err := ssh.Dial("tcp", s.Addr(), cfg)
	if err != nil {
		t.Fatalf("dial with key and known_hosts files: %v", err)
	}
	c.Close()
	s.Close()
	for _, f := range []string{s.ClientKeyFile(), s.KnownHostsFile()} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s not removed by Close: %v", f, err)
		}
	}
}

func TestAddress(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	if s.Host() != "127.0.0.1" || s.Port() == 0 || s.Addr() != "127.0.0.1:"+strconv.Itoa(s.Port()) {
		t.Errorf("Host %q Port %d Addr %q", s.Host(), s.Port(), s.Addr())
	}
	if s.User() == "" {
		t.Error("empty User")
	}
}
