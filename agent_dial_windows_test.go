//go:build windows

package vmconn

import (
	"crypto/ed25519"
	"crypto/rand"
	"sync"
	"testing"

	"github.com/Microsoft/go-winio"
	"golang.org/x/crypto/ssh/agent"
)

func TestIsAgentPipe(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		`\\.\pipe\openssh-ssh-agent`: true,
		`\\.\PIPE\other`:             true,
		`//./pipe/openssh-ssh-agent`: true,
		`C:\Users\me\agent.sock`:     false,
		`/tmp/agent.sock`:            false,
	} {
		if got := isAgentPipe(addr); got != want {
			t.Errorf("isAgentPipe(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestDialAgentAtNamedPipe(t *testing.T) {
	t.Parallel()
	pipe := `\\.\pipe\vmconn-test-agent-` + rand.Text()
	ln, err := winio.ListenPipe(pipe, nil)
	if err != nil {
		t.Fatal(err)
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
	conn, err := dialAgentAt(pipe)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if keys, err := agent.NewClient(conn).List(); err != nil || len(keys) != 1 {
		t.Errorf("List = %d keys, %v; want the 1 key", len(keys), err)
	}
}
