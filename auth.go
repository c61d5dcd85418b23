package vmconn

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// defaultIdentityFiles are tried, in this order, when Config.IdentityFiles
// is empty (OpenSSH's order, less the DSA and security-key files).
var defaultIdentityFiles = []string{"id_ed25519", "id_ecdsa", "id_rsa"}

// authMethods returns the methods to offer, in OpenSSH's order: public
// keys (explicit signers, agent, key files), then password and
// keyboard-interactive. The returned closer releases the agent connection;
// call it once the handshake is over.
func authMethods(cfg *Config, log *slog.Logger) ([]ssh.AuthMethod, io.Closer, error) {
	signers := append([]ssh.Signer(nil), cfg.Signers...)
	fileSigners, err := identitySigners(cfg, log)
	if err != nil {
		return nil, nil, err
	}
	var closer io.Closer = nopCloser{}
	var methods []ssh.AuthMethod
	if agentConn := dialAgent(cfg, log); agentConn != nil {
		closer = agentConn
		agentSigners := agent.NewClient(agentConn).Signers
		methods = append(methods, ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
			fromAgent, err := agentSigners()
			if err != nil {
				log.Debug("ssh-agent gave no keys", "err", err)
			}
			all := append(append(signers[:len(signers):len(signers)], fromAgent...), fileSigners...)
			return all, nil
		}))
	} else if all := append(signers, fileSigners...); len(all) > 0 {
		methods = append(methods, ssh.PublicKeys(all...))
	}
	if cfg.Password != "" {
		pw := cfg.Password
		methods = append(methods, ssh.Password(pw),
			ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	return methods, closer, nil
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

// dialAgent connects to the ssh-agent, or returns nil when there is none.
func dialAgent(cfg *Config, log *slog.Logger) net.Conn {
	if cfg.NoAgent {
		return nil
	}
	sock := cfg.AgentSocket
	if sock == "" {
		sock = os.Getenv("SSH_AUTH_SOCK")
	}
	if sock == "" {
		return nil
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		log.Debug("ssh-agent not reachable", "socket", sock, "err", err)
		return nil
	}
	return conn
}

// identitySigners loads the key files. Explicitly listed files must load;
// default files that are missing or need an unavailable passphrase are
// skipped, as OpenSSH does.
func identitySigners(cfg *Config, log *slog.Logger) ([]ssh.Signer, error) {
	files, explicit := cfg.IdentityFiles, true
	if len(files) == 0 {
		explicit = false
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, nil
		}
		for _, name := range defaultIdentityFiles {
			files = append(files, filepath.Join(home, ".ssh", name))
		}
	}
	var signers []ssh.Signer
	for _, file := range files {
		s, err := loadKeyFile(file, cfg.Passphrase)
		if err != nil {
			if explicit {
				return nil, err
			}
			log.Debug("skipping default identity", "file", file, "err", err)
			continue
		}
		signers = append(signers, s)
	}
	return signers, nil
}

// LoadKeyFile reads a private key file (OpenSSH, PEM or PKCS#8). For an
// encrypted key it calls passphrase (which may be nil). Errors wrap
// ErrConfig and name the file; a wrong passphrase says so.
func LoadKeyFile(file string, passphrase func(keyFile string) ([]byte, error)) (ssh.Signer, error) {
	return loadKeyFile(file, passphrase)
}

func loadKeyFile(file string, passphrase func(string) ([]byte, error)) (ssh.Signer, error) {
	bad := func(why string, err error) (ssh.Signer, error) {
		return nil, fmt.Errorf("vmconn: key file %s: %s: %w: %w", file, why, ErrConfig, err)
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return bad("cannot read", err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	var missing *ssh.PassphraseMissingError
	if !errors.As(err, &missing) {
		if err != nil {
			return bad("not a private key", err)
		}
		return signer, nil
	}
	if passphrase == nil {
		return bad("encrypted and no passphrase was given", err)
	}
	pass, err := passphrase(file)
	if err != nil {
		return bad("getting passphrase", err)
	}
	signer, err = ssh.ParsePrivateKeyWithPassphrase(pem, pass)
	if errors.Is(err, x509.IncorrectPasswordError) {
		return bad("wrong passphrase", err)
	}
	if err != nil {
		return bad("not a private key", err)
	}
	return signer, nil
}
