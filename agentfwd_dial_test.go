package vmconn

import (
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh/agent"
)

// Not parallel: it sets SSH_AUTH_SOCK.
func TestAgentAddress(t *testing.T) {
	t.Setenv("SSH_AUTH_SOCK", "/env/agent.sock")
	if got := agentAddress(&Config{AgentSocket: "/cfg/agent.sock"}); got != "/cfg/agent.sock" {
		t.Errorf("with AgentSocket: %q", got)
	}
	if got := agentAddress(&Config{}); got != "/env/agent.sock" {
		t.Errorf("with SSH_AUTH_SOCK: %q", got)
	}
	t.Setenv("SSH_AUTH_SOCK", "")
	want := ""
	if runtime.GOOS == "windows" {
		want = `\\.\pipe\openssh-ssh-agent`
	}
	if got := agentAddress(&Config{}); got != want {
		t.Errorf("with neither: %q, want %q", got, want)
	}
}

func TestDialAgentAtUnixSocket(t *testing.T) {
	t.Parallel()
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("no unix sockets here: %v", err)
	}
	keyring := agent.NewKeyring()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	if err := keyring.Add(agent.AddedKey{PrivateKey: priv}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer ln.Close()
	wg.Go(func() {
		if c, err := ln.Accept(); err == nil {
			agent.ServeAgent(keyring, c)
			c.Close()
		}
	})
	conn, err := dialAgentAt(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if keys, err := agent.NewClient(conn).List(); err != nil || len(keys) != 1 {
		t.Errorf("List = %d keys, %v; want the 1 key", len(keys), err)
	}
}
