package vmconn_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"os"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/sshdtest"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// wrongKeysAgent serves an agent holding n keys that no server accepts,
// then the keys in last (raw private keys).
func wrongKeysAgent(t *testing.T, n int, last ...any) string {
	t.Helper()
	keyring := agent.NewKeyring()
	for range n {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		last = append([]any{priv}, last...)
	}
	for _, k := range last {
		if err := keyring.Add(agent.AddedKey{PrivateKey: k}); err != nil {
			t.Fatal(err)
		}
	}
	return serveAgent(t, keyring)
}

// TestSSHDTooManyAuthFailures: sshd (MaxAuthTries 6) cuts a login that
// offers 7 wrong keys with "Too many authentication failures": that is
// an authentication failure, not retryable, class auth.
func TestSSHDTooManyAuthFailures(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{HostKeyTypes: []string{"ed25519"}, ExtraConfig: []string{"MaxAuthTries 6"}})
	cfg := sshdConfig(s)
	cfg.NoAgent, cfg.AgentSocket, cfg.IdentityFiles = false, wrongKeysAgent(t, 7), []string{}
	_, err := vmconn.Dial(testCtx(t), s.Addr, cfg)
	if !errors.Is(err, vmconn.ErrAuth) || vmconn.Retryable(err) {
		t.Fatalf("Dial = %v; want ErrAuth, not retryable", err)
	}
	// ErrAuth is class auth in a fan-out: fanout's TestClassify.
}

// TestSSHDExplicitKeyFirst: with 7 wrong keys in the agent, the right
// key given explicitly (as a key file, or as a Signer) is offered first,
// as ssh does, and the login succeeds under MaxAuthTries 6. With
// IdentitiesOnly, the agent's other keys are not offered at all.
func TestSSHDExplicitKeyFirst(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{HostKeyTypes: []string{"ed25519"}, ExtraConfig: []string{"MaxAuthTries 6"}})
	sock := wrongKeysAgent(t, 7)
	for _, tc := range []struct {
		name string
		set  func(*vmconn.Config)
	}{
		{"key file", func(*vmconn.Config) {}},
		{"signer", func(c *vmconn.Config) { c.IdentityFiles, c.Signers = []string{}, []ssh.Signer{s.ClientSigner} }},
	} {
		cfg := sshdConfig(s)
		cfg.NoAgent, cfg.AgentSocket = false, sock
		tc.set(cfg)
		c, err := vmconn.Dial(testCtx(t), s.Addr, cfg)
		if err != nil {
			t.Errorf("%s: Dial = %v; want the explicit key to log in", tc.name, err)
			continue
		}
		c.Close()
	}
}

// TestSSHDAgentSignsForIdentityFirst: the agent holds 7 wrong keys, then
// the key of an encrypted IdentityFile (no Passphrase callback): the
// agent's copy is offered first, in the file's place, and logs in under
// MaxAuthTries 6.
func TestSSHDAgentSignsForIdentityFirst(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{HostKeyTypes: []string{"ed25519"}, ExtraConfig: []string{"MaxAuthTries 6"}})
	pem, err := os.ReadFile(s.EncryptedKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ssh.ParseRawPrivateKeyWithPassphrase(pem, []byte(s.Passphrase))
	if err != nil {
		t.Fatal(err)
	}
	cfg := sshdConfig(s)
	cfg.NoAgent, cfg.AgentSocket = false, wrongKeysAgent(t, 7, priv)
	cfg.IdentityFiles = []string{s.EncryptedKeyFile}
	c, err := vmconn.Dial(testCtx(t), s.Addr, cfg)
	if err != nil {
		t.Fatalf("Dial = %v; want the agent to sign for the identity file first", err)
	}
	c.Close()
}

// TestSSHDIdentitiesOnly: with IdentitiesOnly, the agent's keys that match
// no identity are not offered, even the one that would log in.
func TestSSHDIdentitiesOnly(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{HostKeyTypes: []string{"ed25519"}})
	_, wrong, _ := ed25519.GenerateKey(rand.Reader)
	wrongSigner, _ := ssh.NewSignerFromKey(wrong)
	pem, err := os.ReadFile(s.ClientKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	right, err := ssh.ParseRawPrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	cfg := sshdConfig(s)
	cfg.NoAgent, cfg.AgentSocket = false, wrongKeysAgent(t, 0, right)
	cfg.IdentityFiles, cfg.Signers = []string{}, []ssh.Signer{wrongSigner}
	c, err := vmconn.Dial(testCtx(t), s.Addr, cfg)
	if err != nil {
		t.Fatalf("without IdentitiesOnly: %v; want the agent's key to log in", err)
	}
	c.Close()
	cfg.IdentitiesOnly = true
	if _, err := vmconn.Dial(testCtx(t), s.Addr, cfg); !errors.Is(err, vmconn.ErrAuth) {
		t.Errorf("IdentitiesOnly: %v; want ErrAuth (the agent's other key not offered)", err)
	}
}
