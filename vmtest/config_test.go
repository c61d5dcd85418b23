package vmtest

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"os"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// TestConfigDials: Server.Config logs in as is, checking the host key.
func TestConfigDials(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := vmconnClient(t, s)
	if out, err := c.Output(testCtx(t), "echo ok"); err != nil || string(out) != "ok\n" {
		t.Errorf("Output = %q, %v", out, err)
	}
	if a, b := s.Config(), s.Config(); a == b || len(a.KnownHostsFiles) != 1 || !a.NoAgent {
		t.Errorf("Config %+v", a)
	}
}

// TestFixedKeys: Options.HostKey and ClientKey are the keys the server
// presents and accepts, and the key file holds ClientKey.
func TestFixedKeys(t *testing.T) {
	t.Parallel()
	_, hostKey, _ := ed25519.GenerateKey(rand.Reader)
	clientKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, Options{HostKey: hostKey, ClientKey: clientKey})
	wantHost, _ := ssh.NewPublicKey(hostKey.Public())
	wantClient, _ := ssh.NewPublicKey(clientKey.Public())
	if string(s.HostKey().Marshal()) != string(wantHost.Marshal()) {
		t.Error("HostKey is not Options.HostKey")
	}
	pem, err := os.ReadFile(s.ClientKeyFile())
	if err != nil {
		t.Fatal(err)
	}
	fromFile, err := ssh.ParsePrivateKey(pem)
	if err != nil || string(fromFile.PublicKey().Marshal()) != string(wantClient.Marshal()) {
		t.Errorf("ClientKeyFile holds another key (%v)", err)
	}
	mustRun(t, dial(t, s), "true") // dial authenticates with ClientSigner
	kh, _ := os.ReadFile(s.KnownHostsFile())
	if !strings.Contains(string(kh), strings.TrimSpace(string(ssh.MarshalAuthorizedKey(wantHost)))) {
		t.Errorf("known_hosts %q lacks the host key", kh)
	}
}

// TestNewClosesAtCleanup: New closes the server when the test ends.
func TestNewClosesAtCleanup(t *testing.T) {
	t.Parallel()
	var s *Server
	t.Run("inner", func(t *testing.T) {
		s = New(t, Options{})
		mustRun(t, dial(t, s), "true")
	})
	if _, err := os.Stat(s.KnownHostsFile()); !os.IsNotExist(err) {
		t.Errorf("files after the test: %v", err)
	}
}
