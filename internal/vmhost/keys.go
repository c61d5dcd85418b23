//go:build linux

package vmhost

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hostKeyFile is the name of sshd's host key in Host.Dir.
const hostKeyFile = "ssh_host_ed25519_key"

// writeKey makes an ed25519 key, writes its private half to file in
// OpenSSH format, and returns it.
func writeKey(file string) (ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(file, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, err
	}
	return ssh.NewSignerFromKey(priv)
}

// writeHostKey writes a new host key to file and returns its public half.
func writeHostKey(file string) (ssh.PublicKey, error) {
	s, err := writeKey(file)
	if err != nil {
		return nil, err
	}
	return s.PublicKey(), nil
}

// RotateHostKey makes a new host key, which sshd presents from the next
// boot on, whether the harness reboots the machine or it reboots itself
// (reboot(2)): clients that trust the old key (KnownHostsFile) then see a
// changed key. sshd restarts without a reboot keep the old key.
func (h *Host) RotateHostKey() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	key, err := writeHostKey(h.path(hostKeyFile + ".next"))
	if err != nil {
		return fmt.Errorf("vmhost: %w", err)
	}
	h.nextHostKey = key
	return nil
}

// installNextHostKey puts the key RotateHostKey made in place for sshd.
func (h *Host) installNextHostKey() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.nextHostKey == nil {
		return nil
	}
	if err := os.Rename(h.path(hostKeyFile+".next"), h.path(hostKeyFile)); err != nil {
		return err
	}
	h.hostKey, h.nextHostKey = h.nextHostKey, nil
	return nil
}

// writeKnownHosts writes a known_hosts file that trusts key at addrs.
func writeKnownHosts(file string, key ssh.PublicKey, addrs ...string) error {
	hosts := make([]string, len(addrs))
	for i, a := range addrs {
		hosts[i] = knownhosts.Normalize(a)
	}
	return os.WriteFile(file, []byte(knownhosts.Line(hosts, key)+"\n"), 0o600)
}

// SetAuthorizedKeys replaces the keys root may log in with (at first,
// ClientSigner's); none means no login succeeds. sshd reads the file at
// every login: the change applies to the next one, and survives reboots.
func (h *Host) SetAuthorizedKeys(keys ...ssh.PublicKey) error {
	var b strings.Builder
	for _, k := range keys {
		b.Write(ssh.MarshalAuthorizedKey(k))
	}
	for _, name := range []string{"authorized_keys", "home/.ssh/authorized_keys"} {
		if err := writeFileAtomic(h.path(name), []byte(b.String()), 0o600); err != nil {
			return fmt.Errorf("vmhost: %w", err)
		}
	}
	return nil
}

// writeFileAtomic writes a file that readers never see half-written.
func writeFileAtomic(name string, data []byte, perm os.FileMode) error {
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, perm); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// newBootID returns a random boot id in the kernel's format: a version 4
// UUID in lower case.
func newBootID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
