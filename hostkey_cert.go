package vmconn

import (
	"strings"

	"golang.org/x/crypto/ssh"
)

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
