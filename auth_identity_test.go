package vmconn_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/vmconn/vmconn"
	"golang.org/x/crypto/ssh"
)

// TestCheckIdentityFile: a key Dial can use without a passphrase is
// fine; an encrypted one only when an agent may hold it and its public
// key is known; a missing file never. Passphrase is never asked.
func TestCheckIdentityFile(t *testing.T) {
	t.Parallel()
	plain := writeKey(t, dropKey{}, nil)
	encrypted := writeKey(t, dropKey{}, []byte("secret")) // no .pub beside it: the OpenSSH format holds the public key
	asked := func(string) ([]byte, error) { t.Error("Passphrase was called"); return nil, errors.New("no") }
	noAgent := &vmconn.Config{NoAgent: true, Passphrase: asked}
	withAgent := &vmconn.Config{AgentSocket: filepath.Join(t.TempDir(), "agent.sock"), Passphrase: asked}
	for _, tt := range []struct {
		name string
		file string
		cfg  *vmconn.Config
		ok   bool
	}{
		{"plain", plain, noAgent, true},
		{"plain, nil config", plain, nil, true},
		{"encrypted, no agent", encrypted, noAgent, false},
		{"encrypted, an agent may hold it", encrypted, withAgent, true},
		{"missing", filepath.Join(t.TempDir(), "none"), withAgent, false},
	} {
		err := vmconn.CheckIdentityFile(tt.file, tt.cfg)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, vmconn.ErrConfig)) {
			t.Errorf("%s: %v; want ok %v (else ErrConfig)", tt.name, err, tt.ok)
		}
	}
}

// dropKey takes the public key writeKey authorizes, and drops it.
type dropKey struct{}

func (dropKey) AddAuthorizedKey(ssh.PublicKey) {}

// TestJumpConfig: a hop's Config keeps the target's keys and host-key
// checks and drops what belongs to the target alone; the target's Config
// is not changed.
func TestJumpConfig(t *testing.T) {
	t.Parallel()
	target := &vmconn.Config{User: "u", Port: 2222, Password: "pw", IdentityFiles: []string{"k"},
		KnownHostsFiles: []string{"kh"}, HostKeyMode: vmconn.HostKeyAcceptNew, OnEvent: func(vmconn.Event) {}}
	hop := vmconn.JumpConfig(target)
	if hop.User != "" || hop.Port != 0 || hop.Password != "" || hop.OnEvent != nil ||
		len(hop.IdentityFiles) != 1 || len(hop.KnownHostsFiles) != 1 || hop.HostKeyMode != vmconn.HostKeyAcceptNew {
		t.Errorf("JumpConfig = %+v", hop)
	}
	if target.User != "u" || target.Password != "pw" || target.OnEvent == nil {
		t.Error("JumpConfig changed the target's Config")
	}
	if vmconn.JumpConfig(nil) == nil {
		t.Error("JumpConfig(nil) = nil; want the zero Config")
	}
}
