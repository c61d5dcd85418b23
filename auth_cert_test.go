package vmconn

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"golang.org/x/crypto/ssh"
)

// TestOfferOrderCertificates: a key's certificates (its file's own and a
// matching CertificateFiles entry, also for a key only the agent holds)
// are offered right before it; a certificate for no key is not offered.
func TestOfferOrderCertificates(t *testing.T) {
	t.Parallel()
	k := make([]ssh.Signer, 4)
	for i := range k {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		k[i], _ = ssh.NewSignerFromKey(priv)
	}
	certFor := func(s ssh.Signer) *ssh.Certificate {
		c := &ssh.Certificate{Key: s.PublicKey(), CertType: ssh.UserCert, ValidPrincipals: []string{"u"}, ValidBefore: ssh.CertTimeInfinity}
		if err := c.SignCert(rand.Reader, k[3]); err != nil {
			t.Fatal(err)
		}
		return c
	}
	ids := []identity{{pub: k[0].PublicKey(), signer: k[0], cert: certFor(k[0])}, {pub: k[1].PublicKey()}}
	certs := []*ssh.Certificate{certFor(k[1]), certFor(k[2])} // k[2]: held by no one
	got := offerOrder(nil, ids, []ssh.Signer{k[1]}, true, certs)
	want := []string{ssh.CertAlgoED25519v01, ssh.KeyAlgoED25519, ssh.CertAlgoED25519v01, ssh.KeyAlgoED25519}
	if len(got) != len(want) {
		t.Fatalf("offered %d keys, want %d", len(got), len(want))
	}
	for i, s := range got {
		if s.PublicKey().Type() != want[i] {
			t.Errorf("key %d is %s, want %s", i, s.PublicKey().Type(), want[i])
		}
	}
	if c, ok := got[2].PublicKey().(*ssh.Certificate); !ok || !certifies(c, k[1].PublicKey()) {
		t.Errorf("the agent's key's certificate is not offered before it")
	}
}
