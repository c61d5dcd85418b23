package vmconn_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"os/exec"
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/sshdtest"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// TestForwardAgent: an in-process agent forwarded to a real sshd is
// listed by ssh-add on the remote side once asked for, refused after
// Close, and can be forwarded again on the same connection.
func TestForwardAgent(t *testing.T) {
	if _, err := exec.LookPath("ssh-add"); err != nil {
		t.Skip("ssh-add not installed (openssh-client)")
	}
	s := sshdtest.Start(t, sshdtest.Options{HostKeyTypes: []string{"ed25519"}})
	c := dialSSHD(t, s, nil)
	keyring := agent.NewKeyring()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	if err := keyring.Add(agent.AddedKey{PrivateKey: priv, Comment: "forwarded-test-key"}); err != nil {
		t.Fatal(err)
	}
	signer, _ := ssh.NewSignerFromKey(priv)
	if out, _ := c.Output(testCtx(t), "echo ${SSH_AUTH_SOCK:-none}"); string(out) != "none\n" {
		t.Fatalf("an agent is forwarded before ForwardAgent: %q", out)
	}
	fw, err := c.ForwardAgent(testCtx(t), keyring)
	if err != nil {
		t.Fatalf("ForwardAgent: %v\n%s", err, s.Logs())
	}
	cmd := c.Command(testCtx(t), "ssh-add -L")
	cmd.Env = []string{fw.Env()}
	out, err := cmd.Output()
	want := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))
	if err != nil || !strings.HasPrefix(string(out), want) || !strings.Contains(string(out), "forwarded-test-key") {
		t.Fatalf("ssh-add -L with the agent: %q, %v; want %q", out, err, want)
	}
	fw.Close()
	cmd = c.Command(testCtx(t), "ssh-add -l")
	cmd.Env = []string{fw.Env()}
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("agent still reachable after Close: %q", out)
	}
	fw2, err := c.ForwardAgent(testCtx(t), keyring) // again on the same connection
	if err != nil {
		t.Fatal(err)
	}
	defer fw2.Close()
	cmd = c.Command(testCtx(t), "ssh-add -l")
	cmd.Env = []string{fw2.Env()}
	if out, err := cmd.Output(); err != nil || !strings.Contains(string(out), "forwarded-test-key") {
		t.Errorf("second forwarding: %q, %v", out, err)
	}
}
