package vmconn_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/sshdtest"
	"golang.org/x/crypto/ssh"
)

// newCA makes a certificate authority and writes its public key to
// dir/ca.pub.
func newCA(t *testing.T, dir string) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "ca.pub"), ssh.MarshalAuthorizedKey(ca.PublicKey()))
	return ca
}

// newKeyFile writes a fresh ed25519 private key to file.
func newKeyFile(t *testing.T, file string) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, file, pem.EncodeToMemory(block))
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signCert certifies key for principals, valid from now for valid (a
// negative valid makes an expired certificate).
func signCert(t *testing.T, ca ssh.Signer, key ssh.PublicKey, typ uint32, valid time.Duration, principals ...string) *ssh.Certificate {
	t.Helper()
	now := time.Now()
	c := &ssh.Certificate{Key: key, CertType: typ, KeyId: "vmconn-test", ValidPrincipals: principals,
		ValidAfter: uint64(now.Add(-time.Hour).Unix()), ValidBefore: uint64(now.Add(valid).Unix())}
	if typ == ssh.UserCert {
		c.Permissions.Extensions = map[string]string{"permit-pty": ""}
	}
	if err := c.SignCert(rand.Reader, ca); err != nil {
		t.Fatal(err)
	}
	return c
}

func writeFile(t *testing.T, file string, data []byte) {
	t.Helper()
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestUserCertificateSSHD: sshd trusts a CA (TrustedUserCAKeys) and not
// the key itself: KEY-cert.pub beside an IdentityFile, a CertificateFile
// and a Signer made with ssh.NewCertSigner each log in; a certificate for
// another key is a clear configuration error.
func TestUserCertificateSSHD(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := newCA(t, dir)
	s := sshdtest.Start(t, sshdtest.Options{HostKeyTypes: []string{"ed25519"},
		ExtraConfig: []string{"TrustedUserCAKeys " + filepath.Join(dir, "ca.pub")}})
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "id_cert")
	signer := newKeyFile(t, key)
	cert := signCert(t, ca, signer.PublicKey(), ssh.UserCert, time.Hour, u.Username)
	base := &vmconn.Config{User: s.User, KnownHostsFiles: []string{s.KnownHostsFile}, NoAgent: true, IdentitiesOnly: true}

	plain := *base
	plain.IdentityFiles = []string{key}
	if _, err := vmconn.Dial(testCtx(t), s.Addr, &plain); !errors.Is(err, vmconn.ErrAuth) {
		t.Fatalf("without the certificate: %v, want ErrAuth", err)
	}
	writeFile(t, filepath.Join(dir, "elsewhere.pub"), ssh.MarshalAuthorizedKey(cert))
	viaFile := plain
	viaFile.CertificateFiles = []string{filepath.Join(dir, "elsewhere.pub")}
	certSigner, err := ssh.NewCertSigner(cert, signer)
	if err != nil {
		t.Fatal(err)
	}
	viaSigner := *base
	viaSigner.Signers = []ssh.Signer{certSigner}
	writeFile(t, key+"-cert.pub", ssh.MarshalAuthorizedKey(cert))
	for name, cfg := range map[string]*vmconn.Config{"beside": &plain, "CertificateFiles": &viaFile, "Signers": &viaSigner} {
		c := dialSSHD(t, s, cfg)
		if out, err := c.Output(testCtx(t), "echo ok"); err != nil || string(out) != "ok\n" {
			t.Errorf("%s: Output = %q, %v", name, out, err)
		}
		c.Close()
	}

	other := newKeyFile(t, filepath.Join(dir, "other"))
	writeFile(t, key+"-cert.pub", ssh.MarshalAuthorizedKey(signCert(t, ca, other.PublicKey(), ssh.UserCert, time.Hour, u.Username)))
	_, err = vmconn.Dial(testCtx(t), s.Addr, &plain)
	if !errors.Is(err, vmconn.ErrConfig) || !strings.Contains(err.Error(), "certifies key") {
		t.Errorf("certificate for another key: %v", err)
	}
}

// TestHostCertificateSSHD: sshd presents a host certificate
// (HostCertificate); a known_hosts @cert-authority line for its CA
// accepts it; an expired one, one for another name, or one whose CA key
// is @revoked is a host-key error that says why.
func TestHostCertificateSSHD(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := newCA(t, dir)
	certFile := filepath.Join(dir, "host-cert.pub")
	s := sshdtest.Start(t, sshdtest.Options{HostKeyTypes: []string{"ed25519"},
		ExtraConfig: []string{"HostCertificate " + certFile}})
	caLine := "@cert-authority " + s.Host + ",[" + s.Host + "]:*  " + string(ssh.MarshalAuthorizedKey(ca.PublicKey()))
	known := filepath.Join(dir, "known_hosts")
	writeFile(t, known, []byte(caLine))
	cfg := &vmconn.Config{User: s.User, IdentityFiles: []string{s.ClientKeyFile}, KnownHostsFiles: []string{known}, NoAgent: true}
	for _, tc := range []struct {
		name, known, want string
		valid             time.Duration
		principal         string
	}{
		{"valid", caLine, "", time.Hour, s.Host},
		{"expired", caLine, "expired", -time.Minute, s.Host},
		{"wrong principal", caLine, "principal", time.Hour, "other.example"},
		{"revoked CA", caLine + "@revoked * " + string(ssh.MarshalAuthorizedKey(ca.PublicKey())), "revoked", time.Hour, s.Host},
	} {
		writeFile(t, known, []byte(tc.known))
		writeFile(t, certFile, ssh.MarshalAuthorizedKey(signCert(t, ca, s.HostKeys[0], ssh.HostCert, tc.valid, tc.principal)))
		s.Restart(t) // sshd reads HostCertificate when it starts
		c, err := vmconn.Dial(testCtx(t), s.Addr, cfg)
		if tc.want == "" {
			if err != nil {
				t.Fatalf("%s: %v\n%s", tc.name, err, s.Logs())
			}
			c.Close()
			continue
		}
		t.Logf("%s: %v", tc.name, err)
		var he *vmconn.HostKeyError
		if !errors.As(err, &he) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "cert") {
			t.Errorf("%s: %v, want a *HostKeyError saying %q", tc.name, err, tc.want)
		}
	}
}
