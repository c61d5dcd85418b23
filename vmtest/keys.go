package vmtest

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"path/filepath"

	"github.com/google/uuid"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// newBootID returns a random boot id in the format of
// /proc/sys/kernel/random/boot_id.
func newBootID() string {
	return uuid.NewString()
}

// signerFor returns a signer for key, or, if key is nil, for a new
// ed25519 key. It also returns the private key, for writing it to a file.
func signerFor(key crypto.Signer) (ssh.Signer, crypto.Signer, error) {
	if key != nil {
		signer, err := ssh.NewSignerFromKey(key)
		return signer, key, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, nil, err
	}
	return signer, priv, nil
}

// writeKeyFile writes key in OpenSSH PEM format to dir/id_ed25519 (the
// name whatever the key's type), mode 0600, and returns the file's path.
func writeKeyFile(dir string, key crypto.Signer) (string, error) {
	block, err := ssh.MarshalPrivateKey(key, "vmtest client key")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "id_ed25519")
	return path, os.WriteFile(path, pem.EncodeToMemory(block), 0o600)
}

// writeKnownHosts writes a known_hosts file to dir that trusts hostKey for
// addr ("127.0.0.1:PORT"), and returns the file's path.
func writeKnownHosts(dir, addr string, hostKey ssh.PublicKey) (string, error) {
	line := knownhosts.Line([]string{knownhosts.Normalize(addr)}, hostKey)
	path := filepath.Join(dir, "known_hosts")
	return path, os.WriteFile(path, []byte(line+"\n"), 0o600)
}
