package hostilesftp

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// keys are a fresh host key and client key.
type keys struct {
	host       ssh.Signer
	client     ssh.PublicKey
	clientFile string
}

// newKeys generates both keys and writes the client's to dir.
func newKeys(dir string) (*keys, error) {
	_, hostPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	host, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		return nil, err
	}
	clientPub, clientPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	pub, err := ssh.NewPublicKey(clientPub)
	if err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(clientPriv, "hostilesftp client key")
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "id_ed25519")
	return &keys{host: host, client: pub, clientFile: file}, os.WriteFile(file, pem.EncodeToMemory(block), 0o600)
}

// serverConfig accepts only the client key, for any user name.
func (k *keys) serverConfig() *ssh.ServerConfig {
	want := k.client.Marshal()
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if bytes.Equal(key.Marshal(), want) {
				return nil, nil
			}
			return nil, errors.New("unknown key")
		},
	}
	cfg.AddHostKey(k.host)
	return cfg
}

// writeKnownHosts writes dir/known_hosts trusting key for addr.
func writeKnownHosts(dir, addr string, key ssh.PublicKey) (string, error) {
	line := knownhosts.Line([]string{knownhosts.Normalize(addr)}, key)
	file := filepath.Join(dir, "known_hosts")
	return file, os.WriteFile(file, []byte(line+"\n"), 0o600)
}
