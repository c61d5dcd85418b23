package vmconn_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

func TestDialAndRun(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := dialTest(t, srv, nil)
	out, err := c.Output(testCtx(t), "echo hello")
	if err != nil || string(out) != "hello\n" {
		t.Fatalf("Output = %q, %v", out, err)
	}
	if c.Addr() != srv.Addr() || c.Err() != nil {
		t.Errorf("Addr = %q, Err = %v", c.Addr(), c.Err())
	}
}

func TestDialKeyFile(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	cfg := &vmconn.Config{IdentityFiles: []string{srv.ClientKeyFile()}, KnownHostsFiles: []string{srv.KnownHostsFile()}, NoAgent: true}
	c := dialTest(t, srv, cfg)
	if _, err := c.Output(testCtx(t), "true"); err != nil {
		t.Fatal(err)
	}
}

func TestDialEncryptedKeyFile(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	file := writeKey(t, srv, []byte("s3cret"))
	var asked string
	cfg := &vmconn.Config{IdentityFiles: []string{file}, KnownHostsFiles: []string{srv.KnownHostsFile()}, NoAgent: true,
		Passphrase: func(f string) ([]byte, error) { asked = f; return []byte("s3cret"), nil }}
	dialTest(t, srv, cfg)
	if asked != file {
		t.Errorf("passphrase asked for %q, want %q", asked, file)
	}
	cfg.Passphrase = func(string) ([]byte, error) { return []byte("wrong"), nil }
	_, err := vmconn.Dial(testCtx(t), srv.Addr(), cfg)
	if !errors.Is(err, vmconn.ErrConfig) || !strings.Contains(err.Error(), "wrong passphrase") {
		t.Errorf("wrong passphrase: %v", err)
	}
	cfg.Passphrase = nil
	_, err = vmconn.Dial(testCtx(t), srv.Addr(), cfg)
	if !errors.Is(err, vmconn.ErrConfig) || !strings.Contains(err.Error(), "no passphrase") {
		t.Errorf("no passphrase: %v", err)
	}
}

// writeKey authorizes a new ed25519 key on srv and writes it, encrypted
// with passphrase if not nil, to a file.
func writeKey(t *testing.T, srv interface{ AddAuthorizedKey(ssh.PublicKey) }, passphrase []byte) string {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	sshPub, _ := ssh.NewPublicKey(pub)
	srv.AddAuthorizedKey(sshPub)
	var block *pem.Block
	var err error
	if passphrase != nil {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "", passphrase)
	} else {
		block, err = ssh.MarshalPrivateKey(priv, "")
	}
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "id_test")
	if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestDialPassword(t *testing.T) {
	t.Parallel()
	srv := newPasswordServer(t, "pa$$ word")
	cfg := &vmconn.Config{Password: "pa$$ word", KnownHostsFiles: []string{srv.KnownHostsFile()}, NoAgent: true, IdentityFiles: []string{}}
	dialTest(t, srv, cfg)
	cfg.Password = "nope"
	_, err := vmconn.Dial(testCtx(t), srv.Addr(), cfg)
	assertDialErr(t, err, vmconn.ErrAuth, false)
}

func TestDialAgent(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	keyring := agent.NewKeyring()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	if err := keyring.Add(agent.AddedKey{PrivateKey: priv}); err != nil {
		t.Fatal(err)
	}
	signer, _ := ssh.NewSignerFromKey(priv)
	srv.AddAuthorizedKey(signer.PublicKey())
	sock := serveAgent(t, keyring)
	cfg := &vmconn.Config{AgentSocket: sock, KnownHostsFiles: []string{srv.KnownHostsFile()}, IdentityFiles: []string{}}
	dialTest(t, srv, cfg)
	cfg.NoAgent = true
	_, err := vmconn.Dial(testCtx(t), srv.Addr(), cfg)
	assertDialErr(t, err, vmconn.ErrAuth, false)
}

// serveAgent serves keyring on a unix socket until the test ends.
func serveAgent(t *testing.T, keyring agent.Agent) string {
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = agent.ServeAgent(keyring, c)
			c.Close()
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return sock
}

func TestDialAuthFailed(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := ssh.NewSignerFromKey(other)
	cfg := &vmconn.Config{Signers: []ssh.Signer{signer}, KnownHostsFiles: []string{srv.KnownHostsFile()}, NoAgent: true, IdentityFiles: []string{}}
	_, err := vmconn.Dial(testCtx(t), srv.Addr(), cfg)
	assertDialErr(t, err, vmconn.ErrAuth, false)
}

func TestDialHostKeyUnknown(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "missing")}
	_, err := vmconn.Dial(testCtx(t), srv.Addr(), cfg)
	assertDialErr(t, err, vmconn.ErrHostKeyUnknown, false)
	var hke *vmconn.HostKeyError
	if !errors.As(err, &hke) || hke.Fingerprint != ssh.FingerprintSHA256(srv.HostKey()) {
		t.Errorf("HostKeyError = %+v", hke)
	}
}

func TestDialHostKeyChanged(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	other := newServer(t)
	file := filepath.Join(t.TempDir(), "known_hosts")
	line := srv.Addr() // written as [127.0.0.1]:port with the OTHER server's key
	writeKnownHost(t, file, line, other.HostKey())
	cfg := testConfig(srv)
	cfg.KnownHostsFiles = []string{file}
	_, err := vmconn.Dial(testCtx(t), srv.Addr(), cfg)
	assertDialErr(t, err, vmconn.ErrHostKeyChanged, false)
	var hke *vmconn.HostKeyError
	if !errors.As(err, &hke) || len(hke.Want) != 1 {
		t.Errorf("HostKeyError = %+v", hke)
	}
	cfg.HostKeyMode = vmconn.HostKeyAcceptNew // accept-new never overrides a changed key
	_, err = vmconn.Dial(testCtx(t), srv.Addr(), cfg)
	assertDialErr(t, err, vmconn.ErrHostKeyChanged, false)
}

func TestDialHostKeyAcceptNew(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	file := filepath.Join(t.TempDir(), "sub", "known_hosts")
	cfg := testConfig(srv)
	cfg.KnownHostsFiles = []string{file}
	cfg.HostKeyMode = vmconn.HostKeyAcceptNew
	dialTest(t, srv, cfg)
	data, err := os.ReadFile(file)
	if err != nil || !strings.Contains(string(data), srv.HostKey().Type()) {
		t.Fatalf("known_hosts = %q, %v", data, err)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Errorf("known_hosts mode %v", fi.Mode())
	}
	cfg.HostKeyMode = vmconn.HostKeyStrict // the recorded key now verifies
	dialTest(t, srv, cfg)
}

func TestDialHostKeyInsecure(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "none")}
	cfg.HostKeyMode = vmconn.HostKeyInsecureIgnore
	dialTest(t, srv, cfg)
}

func writeKnownHost(t *testing.T, file, addr string, key ssh.PublicKey) {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	line := "[" + host + "]:" + port + " " + string(ssh.MarshalAuthorizedKey(key))
	if err := os.WriteFile(file, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDialRefused(t *testing.T) {
	t.Parallel()
	addr := closedPort(t)
	start := time.Now()
	_, err := vmconn.Dial(testCtx(t), addr, &vmconn.Config{NoAgent: true})
	assertDialErr(t, err, vmconn.ErrUnreachable, true)
	if !strings.Contains(err.Error(), addr) {
		t.Errorf("error %q does not name %s", err, addr)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("refused dial took %v", time.Since(start))
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestDialNameNotResolved(t *testing.T) {
	t.Parallel()
	cfg := &vmconn.Config{NoAgent: true, DialContext: func(context.Context, string, string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "nohost.invalid", IsNotFound: true}}
	}}
	_, err := vmconn.Dial(testCtx(t), "nohost.invalid", cfg)
	assertDialErr(t, err, vmconn.ErrUnreachable, true)
}

// TestDialTarpit: a port that accepts but never sends a banner is bounded
// by ConnectTimeout, and by the context.
func TestDialTarpit(t *testing.T) {
	t.Parallel()
	addr := tarpit(t, nil)
	cfg := &vmconn.Config{NoAgent: true, ConnectTimeout: 300 * time.Millisecond}
	_, err := vmconn.Dial(testCtx(t), addr, cfg)
	assertDialErr(t, err, vmconn.ErrTimeout, true)
	var op *vmconn.OpError
	if !errors.As(err, &op) || !op.Timeout() {
		t.Errorf("want *OpError with Timeout(), got %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	cfg.ConnectTimeout = time.Hour
	_, err = vmconn.Dial(ctx, addr, cfg)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled dial: %v", err)
	}
}

// tarpit accepts connections and sends them reply (if any), then nothing.
func tarpit(t *testing.T, reply []byte) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
			if reply != nil {
				c.Write(reply)
				c.Close()
			}
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return l.Addr().String()
}

func TestDialGarbageBanner(t *testing.T) {
	t.Parallel()
	addr := tarpit(t, []byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
	_, err := vmconn.Dial(testCtx(t), addr, &vmconn.Config{NoAgent: true, ConnectTimeout: 5 * time.Second})
	assertDialErr(t, err, vmconn.ErrHandshake, true)
}

func TestDialBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notKey := filepath.Join(dir, "notkey")
	os.WriteFile(notKey, []byte("hello"), 0o600)
	unreadable := filepath.Join(dir, "dir-not-file")
	os.Mkdir(unreadable, 0o700)
	tests := []struct {
		addr string
		cfg  vmconn.Config
	}{
		{"", vmconn.Config{}},
		{"host:99999", vmconn.Config{}},
		{"host:x", vmconn.Config{}},
		{"us er@host", vmconn.Config{}},
		{"127.0.0.1:1", vmconn.Config{IdentityFiles: []string{filepath.Join(dir, "missing")}}},
		{"127.0.0.1:1", vmconn.Config{IdentityFiles: []string{notKey}}},
		{"127.0.0.1:1", vmconn.Config{IdentityFiles: []string{unreadable}}},
	}
	srv := newServer(t)
	for _, tt := range tests {
		cfg := tt.cfg
		cfg.NoAgent = true
		addr := tt.addr
		if addr == "127.0.0.1:1" {
			addr = srv.Addr() // reachable, so only the key can fail
			cfg.KnownHostsFiles = []string{srv.KnownHostsFile()}
		}
		_, err := vmconn.Dial(testCtx(t), addr, &cfg)
		if !errors.Is(err, vmconn.ErrConfig) || vmconn.Retryable(err) {
			t.Errorf("Dial(%q, %v) = %v; want ErrConfig", tt.addr, tt.cfg.IdentityFiles, err)
		}
	}
}

// assertDialErr checks the class, the retry verdict and the message form.
func assertDialErr(t *testing.T, err, class error, retryable bool) {
	t.Helper()
	if !errors.Is(err, class) {
		t.Fatalf("error = %v; want %v", err, class)
	}
	if vmconn.Retryable(err) != retryable {
		t.Errorf("Retryable(%v) = %v; want %v", err, !retryable, retryable)
	}
	if !strings.HasPrefix(err.Error(), "vmconn: ") {
		t.Errorf("message %q does not start with vmconn: ", err)
	}
}
