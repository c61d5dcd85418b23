package vmconn

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"golang.org/x/crypto/ssh"
)

// TestOfferOrder: explicit signers first, then identity files in order
// (the agent's copy where only the agent can sign), then the agent's
// other keys unless identitiesOnly; each key once.
func TestOfferOrder(t *testing.T) {
	t.Parallel()
	k := make([]ssh.Signer, 6)
	for i := range k {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		k[i], _ = ssh.NewSignerFromKey(priv)
	}
	explicit := []ssh.Signer{k[0]}
	ids := []identity{{pub: k[1].PublicKey(), signer: k[1]}, {pub: k[2].PublicKey()}, {pub: k[5].PublicKey()}}
	fromAgent := []ssh.Signer{k[3], k[4], k[2], k[0]} // k[5]: in no agent, no signer: not offered
	name := func(ss []ssh.Signer) []int {
		var out []int
		for _, s := range ss {
			for i := range k {
				if s == k[i] {
					out = append(out, i)
				}
			}
		}
		return out
	}
	for _, tc := range []struct {
		only bool
		want []int
	}{{false, []int{0, 1, 2, 3, 4}}, {true, []int{0, 1, 2}}} {
		got := name(offerOrder(explicit, ids, fromAgent, tc.only, nil))
		if len(got) != len(tc.want) {
			t.Errorf("identitiesOnly %v: offered %v; want %v", tc.only, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("identitiesOnly %v: offered %v; want %v", tc.only, got, tc.want)
				break
			}
		}
	}
}
