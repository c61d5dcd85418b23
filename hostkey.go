package vmconn

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/skeema/knownhosts"
	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"
)

// knownHostsWrite serialises appends to known_hosts files within this
// process (accept-new from concurrent dials).
var knownHostsWrite sync.Mutex

// hostKeyChecker builds the host key callback for one dial, and the host
// key algorithms to ask for so that the server offers a key type we know.
func hostKeyChecker(cfg *Config, addr string) (ssh.HostKeyCallback, []string, error) {
	if cfg.HostKeyCallback != nil {
		return cfg.HostKeyCallback, cfg.HostKeyAlgorithms, nil
	}
	if cfg.HostKeyMode == HostKeyInsecureIgnore {
		return ssh.InsecureIgnoreHostKey(), cfg.HostKeyAlgorithms, nil //nolint:gosec // asked for by name
	}
	files, err := knownHostsFiles(cfg)
	if err != nil {
		return nil, nil, err
	}
	var db *knownhosts.HostKeyDB
	if existing := existingFiles(files); len(existing) > 0 {
		if db, err = knownhosts.NewDB(existing...); err != nil {
			return nil, nil, fmt.Errorf("vmconn: reading known_hosts: %w: %w", ErrConfig, err)
		}
	}
	algos := cfg.HostKeyAlgorithms
	if algos == nil && db != nil {
		algos = db.HostKeyAlgorithms(addr)
	}
	check := func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		var err error = &xknownhosts.KeyError{} // no file: every host is unknown
		if db != nil {
			err = db.HostKeyCallback()(hostname, remote, key)
		}
		if err == nil {
			return nil
		}
		if knownhosts.IsHostUnknown(err) && cfg.HostKeyMode == HostKeyAcceptNew {
			return appendKnownHost(files[0], hostname, remote, key)
		}
		return hostKeyError(addr, key, err)
	}
	return check, algos, nil
}

// hostKeyError turns a knownhosts error into a *HostKeyError.
func hostKeyError(addr string, key ssh.PublicKey, err error) error {
	he := &HostKeyError{Addr: addr, KeyType: key.Type(), Fingerprint: ssh.FingerprintSHA256(key), Err: ErrHostKeyUnknown}
	var ke *xknownhosts.KeyError
	var re *xknownhosts.RevokedError
	cert, isCert := key.(*ssh.Certificate)
	switch {
	case errors.As(err, &re): // "@revoked" in known_hosts
		he.Err = ErrHostKeyRevoked
		he.Want = []string{fmt.Sprintf("@revoked (%s:%d)", re.Revoked.Filename, re.Revoked.Line)}
		return he
	case isCert:
		return certError(he, cert, err)
	case !errors.As(err, &ke):
		return fmt.Errorf("%w: %w", ErrHostKeyUnknown, err)
	}
	if len(ke.Want) > 0 {
		he.Err = ErrHostKeyChanged
		for _, w := range ke.Want {
			he.Want = append(he.Want, fmt.Sprintf("%s %s (%s:%d)", w.Key.Type(), ssh.FingerprintSHA256(w.Key), w.Filename, w.Line))
		}
	}
	return he
}

func knownHostsFiles(cfg *Config) ([]string, error) {
	if len(cfg.KnownHostsFiles) > 0 {
		return cfg.KnownHostsFiles, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, fmt.Errorf("vmconn: finding known_hosts: %w: %w", ErrConfig, err)
	}
	return []string{filepath.Join(home, ".ssh", "known_hosts")}, nil
}

func existingFiles(files []string) []string {
	var out []string
	for _, f := range files {
		if _, err := os.Stat(f); err == nil {
			out = append(out, f)
		}
	}
	return out
}

// appendKnownHost records a first-seen host key (accept-new).
func appendKnownHost(file, hostname string, remote net.Addr, key ssh.PublicKey) error {
	knownHostsWrite.Lock()
	defer knownHostsWrite.Unlock()
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("vmconn: recording host key: %w", err)
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("vmconn: recording host key: %w", err)
	}
	werr := knownhosts.WriteKnownHost(f, hostname, remote, key)
	if err := f.Close(); werr == nil {
		werr = err
	}
	if werr != nil {
		return fmt.Errorf("vmconn: recording host key in %s: %w", file, werr)
	}
	return nil
}

// Host certificates are checked by the known_hosts database itself
// (x/crypto's ssh.CertChecker behind skeema/knownhosts): a certificate
// is accepted when an @cert-authority line for the host names its CA and
// the certificate is valid now for the host's name. vmconn asks for
// certificate host key types only when such a line exists.

// certError completes he for a refused host certificate: the checker's
// reason (expired, not valid for this name, unknown CA, revoked) is kept
// in Reason with the CA that signed it, and Fingerprint is the host
// key's own; a revoked certificate or CA is ErrHostKeyRevoked, any other
// refusal ErrHostKeyUnknown.
func certError(he *HostKeyError, cert *ssh.Certificate, err error) *HostKeyError {
	he.Fingerprint = ssh.FingerprintSHA256(cert.Key)
	he.Reason = strings.TrimPrefix(err.Error(), "ssh: ") + " (signed by CA " + ssh.FingerprintSHA256(cert.SignatureKey) + ")"
	if strings.Contains(he.Reason, "revoked") {
		he.Err = ErrHostKeyRevoked
	}
	return he
}
