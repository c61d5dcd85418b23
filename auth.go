package vmconn

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
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

// identity is one key file: its public key, and its signer when the file
// could be loaded (an encrypted default key may be signed for by the
// agent only).
type identity struct {
	pub    ssh.PublicKey
	signer ssh.Signer       // nil: only the agent can sign for it
	cert   *ssh.Certificate // file-cert.pub, offered before the key; nil if none
}

// authMethods returns the methods to offer, in OpenSSH's order: public
// keys (see offerOrder), then password and keyboard-interactive. The
// returned closer releases the agent connection; call it once the
// handshake is over. Each method, when tried, is logged and named to
// tried ("publickey", "password", "keyboard-interactive").
func authMethods(cfg *Config, log *slog.Logger, tried func(method string)) ([]ssh.AuthMethod, io.Closer, error) {
	explicit := cfg.Signers
	ids, err := identities(cfg, log)
	if err != nil {
		return nil, nil, err
	}
	certs, err := loadCertificates(cfg.CertificateFiles)
	if err != nil {
		return nil, nil, err
	}
	var closer io.Closer = nopCloser{}
	var methods []ssh.AuthMethod
	agentConn := dialAgent(cfg, log)
	if agentConn == nil {
		if err := unmatchedCert(certs, explicit, ids, cfg.CertificateFiles); err != nil {
			return nil, nil, err
		}
	}
	if agentConn != nil {
		closer = agentConn
		agentSigners := agent.NewClient(agentConn).Signers
		methods = append(methods, ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
			fromAgent, err := agentSigners()
			if err != nil {
				log.Debug("vmconn: ssh-agent gave no keys", "err", err)
			}
			signers := offerOrder(explicit, ids, fromAgent, cfg.IdentitiesOnly, certs)
			logPublicKeys(log, signers)
			tried("publickey")
			return signers, nil
		}))
	} else if all := offerOrder(explicit, ids, nil, true, certs); len(all) > 0 {
		methods = append(methods, ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
			logPublicKeys(log, all)
			tried("publickey")
			return all, nil
		}))
	}
	if cfg.Password != "" {
		methods = append(methods, passwordMethods(cfg.Password, log, tried)...)
	}
	return methods, closer, nil
}

// offerOrder orders the keys as ssh does, so that the right key is not
// lost behind others when the server allows few tries (MaxAuthTries):
// the explicit Signers, then each identity file in order (signed by the
// agent when only the agent can), then, unless identitiesOnly, the
// agent's other keys. A key is offered once, right after its
// certificates (certs that certify it, and an identity file's own
// KEY-cert.pub), as ssh offers them.
func offerOrder(explicit []ssh.Signer, ids []identity, fromAgent []ssh.Signer, identitiesOnly bool, certs []*ssh.Certificate) []ssh.Signer {
	var out []ssh.Signer
	seen := map[string]bool{}
	add := func(s ssh.Signer, own *ssh.Certificate) {
		for _, s := range append(certSigners(s, own, certs), s) {
			if k := string(s.PublicKey().Marshal()); !seen[k] {
				seen[k] = true
				out = append(out, s)
			}
		}
	}
	for _, s := range explicit {
		add(s, nil)
	}
	for _, id := range ids {
		if s := id.signer; s != nil {
			add(s, id.cert)
		} else if s := agentSigner(fromAgent, id.pub); s != nil {
			add(s, id.cert)
		}
	}
	if !identitiesOnly {
		for _, s := range fromAgent {
			add(s, nil)
		}
	}
	return out
}

// agentSigner returns the agent's signer for pub, or nil.
func agentSigner(fromAgent []ssh.Signer, pub ssh.PublicKey) ssh.Signer {
	for _, s := range fromAgent {
		if bytes.Equal(s.PublicKey().Marshal(), pub.Marshal()) {
			return s
		}
	}
	return nil
}

// passwordMethods offers the password as "password" and as the answer to
// every "keyboard-interactive" prompt; log and tried hear that they are
// tried (never the password).
func passwordMethods(pw string, log *slog.Logger, tried func(string)) []ssh.AuthMethod {
	return []ssh.AuthMethod{
		ssh.PasswordCallback(func() (string, error) {
			log.Info("vmconn: auth: trying password")
			tried("password")
			return pw, nil
		}),
		ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
			log.Info("vmconn: auth: answering keyboard-interactive with the password", "prompts", len(questions))
			tried("keyboard-interactive")
			answers := make([]string, len(questions))
			for i := range answers {
				answers[i] = pw
			}
			return answers, nil
		})}
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

// dialAgent connects to the ssh-agent (see agentAddress), or returns nil
// when there is none.
func dialAgent(cfg *Config, log *slog.Logger) net.Conn {
	if cfg.NoAgent {
		return nil
	}
	addr := agentAddress(cfg)
	if addr == "" {
		return nil
	}
	conn, err := dialAgentAt(addr)
	if err != nil {
		log.Debug("vmconn: ssh-agent not reachable", "socket", addr, "err", err)
		return nil
	}
	return conn
}

// identities loads the key files. Explicitly listed files must load;
// default files that are missing or unreadable are skipped. An encrypted
// file with no Passphrase callback is kept by its public key for the
// agent to sign with, as ssh does (for a listed file only when there is
// an agent to ask).
func identities(cfg *Config, log *slog.Logger) ([]identity, error) {
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
	var ids []identity
	for _, file := range files {
		id, err := loadIdentity(file, cfg.Passphrase, agentToAsk(cfg) || !explicit)
		if err == nil {
			id.cert, err = certBeside(file, id.pub)
			if err != nil && !explicit {
				log.Debug("skipping certificate of default identity", "file", file, "err", err)
				err = nil
			}
		}
		switch {
		case err == nil:
			ids = append(ids, id)
		case explicit:
			return nil, err
		default:
			log.Debug("vmconn: skipping default identity", "file", file, "err", err)
		}
	}
	return ids, nil
}

// agentToAsk reports whether cfg names an agent that may hold keys.
func agentToAsk(cfg *Config) bool {
	return !cfg.NoAgent && agentAddress(cfg) != ""
}

// loadIdentity loads a key file. With pubOnly, an encrypted file that no
// Passphrase callback can open yields its public key (from the file, or
// file.pub) without a signer.
func loadIdentity(file string, passphrase func(string) ([]byte, error), pubOnly bool) (identity, error) {
	s, err := loadKeyFile(file, passphrase)
	if err == nil {
		return identity{pub: s.PublicKey(), signer: s}, nil
	}
	var missing *ssh.PassphraseMissingError
	if !pubOnly || passphrase != nil || !errors.As(err, &missing) {
		return identity{}, err
	}
	if missing.PublicKey != nil {
		return identity{pub: missing.PublicKey}, nil
	}
	if pub, perr := loadPublicKey(file + ".pub"); perr == nil {
		return identity{pub: pub}, nil
	}
	return identity{}, err
}

// loadPublicKey reads a public key file (authorized_keys format).
func loadPublicKey(file string) (ssh.PublicKey, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey(data)
	return pub, err
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

// CheckIdentityFile reports whether Dial with cfg can offer the private
// key in file without asking for a passphrase: nil when the file holds an
// unencrypted key, or an encrypted one whose public key is known (in the
// file or in file.pub) while cfg lets Dial ask an agent, which may hold
// the key. Otherwise it returns the error loading the key, wrapping
// ErrConfig (see LoadKeyFile). cfg.Passphrase is never called; nil cfg
// means the zero Config. Package sshconfig uses it to skip an
// IdentityFile that would fail the login, as OpenSSH does.
func CheckIdentityFile(file string, cfg *Config) error {
	if cfg == nil {
		cfg = &Config{}
	}
	_, err := loadIdentity(file, nil, agentToAsk(cfg))
	return err
}

// loadCertificate reads an OpenSSH user certificate file (KEY-cert.pub).
// Errors wrap ErrConfig and name the file.
func loadCertificate(file string) (*ssh.Certificate, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("vmconn: certificate file %s: cannot read: %w: %w", file, ErrConfig, err)
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey(data)
	if err != nil {
		return nil, fmt.Errorf("vmconn: certificate file %s: %w: %w", file, ErrConfig, err)
	}
	cert, ok := pub.(*ssh.Certificate)
	if !ok || cert.CertType != ssh.UserCert {
		return nil, fmt.Errorf("vmconn: certificate file %s: not a user certificate: %w", file, ErrConfig)
	}
	return cert, nil
}

// loadCertificates reads Config.CertificateFiles.
func loadCertificates(files []string) ([]*ssh.Certificate, error) {
	var certs []*ssh.Certificate
	for _, f := range files {
		c, err := loadCertificate(f)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	return certs, nil
}

// certBeside returns the certificate that ssh offers with the key in
// file: file-cert.pub, if it exists (nil if not). A certificate for
// another key is an error wrapping ErrConfig that says so.
func certBeside(file string, pub ssh.PublicKey) (*ssh.Certificate, error) {
	name := file + "-cert.pub"
	if _, err := os.Stat(name); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	cert, err := loadCertificate(name)
	if err != nil {
		return nil, err
	}
	if !certifies(cert, pub) {
		return nil, fmt.Errorf("vmconn: certificate file %s: it certifies key %s, not the key in %s (%s): %w",
			name, ssh.FingerprintSHA256(cert.Key), file, ssh.FingerprintSHA256(pub), ErrConfig)
	}
	return cert, nil
}

// certifies reports whether cert is for the key pub.
func certifies(cert *ssh.Certificate, pub ssh.PublicKey) bool {
	return bytes.Equal(cert.Key.Marshal(), pub.Marshal())
}

// unmatchedCert returns an error for the first certificate that no key
// among explicit and ids certifies, when no agent may hold its key.
func unmatchedCert(certs []*ssh.Certificate, explicit []ssh.Signer, ids []identity, files []string) error {
	for i, c := range certs {
		found := false
		for _, s := range explicit {
			found = found || certifies(c, s.PublicKey())
		}
		for _, id := range ids {
			found = found || certifies(c, id.pub)
		}
		if !found {
			return fmt.Errorf("vmconn: certificate file %s: no private key for its key %s (give it in IdentityFiles or Signers): %w",
				files[i], ssh.FingerprintSHA256(c.Key), ErrConfig)
		}
	}
	return nil
}

// certSigners returns the signers of s's certificates: own (an identity
// file's KEY-cert.pub) and those of certs that certify s's key.
func certSigners(s ssh.Signer, own *ssh.Certificate, certs []*ssh.Certificate) []ssh.Signer {
	var out []ssh.Signer
	for _, c := range append([]*ssh.Certificate{own}, certs...) {
		if c == nil || !certifies(c, s.PublicKey()) {
			continue
		}
		if cs, err := ssh.NewCertSigner(c, s); err == nil {
			out = append(out, cs)
		}
	}
	return out
}
