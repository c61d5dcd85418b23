package vmconn

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/crypto/ssh"
)

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
