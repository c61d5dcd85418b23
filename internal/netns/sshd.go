//go:build linux

package netns

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/vmconn/vmconn/internal/sshd"
	"github.com/vmconn/vmconn/internal/testenv"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHD is an OpenSSH sshd running inside a host's namespace on port 22,
// on all its addresses.
type SSHD struct {
	HostKey ssh.PublicKey // the server's ed25519 host key
	Port    int           // 22

	daemon *sshd.Daemon
	out    *syncBuffer
}

// Output returns what sshd has logged so far (it logs to its stderr).
func (s *SSHD) Output() string { return s.out.String() }

// Pid returns sshd's pid.
func (s *SSHD) Pid() int { return s.daemon.Pid() }

// sshdConfig is the sshd configuration for the files in dir: keys only,
// root allowed, on port 22 of every address.
func sshdConfig(dir string) sshd.Config {
	return sshd.Config{
		Port:               22,
		ListenAddresses:    []string{"0.0.0.0", "::"},
		HostKeys:           []string{filepath.Join(dir, "host_key")},
		AuthorizedKeysFile: filepath.Join(dir, "authorized_keys"),
		MaxStartups:        "100",
		Lines:              []string{"PermitRootLogin prohibit-password"},
	}
}

// StartSSHD starts sshd inside the host's namespace, accepting
// authorized for any user (root included), and waits until it listens
// (at most 10s). It skips tb when sshd is not installed (fails it under
// CI=true). The lab stops it on cleanup.
func (h *Host) StartSSHD(authorized ssh.PublicKey) *SSHD {
	tb := h.lab.tb
	tb.Helper()
	if authorized == nil {
		tb.Fatal("netns: StartSSHD needs a key to authorize")
	}
	_, err := sshd.Path()
	testenv.Require(tb, err == nil, fmt.Sprintf("netns: %v", err))
	dir := tb.TempDir()
	hostKey, err := writeHostKey(dir)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "authorized_keys"), ssh.MarshalAuthorizedKey(authorized), 0o600)
	}
	if err != nil {
		tb.Fatalf("netns: %v", err)
	}
	s := &SSHD{HostKey: hostKey, Port: 22, out: &syncBuffer{}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.daemon, err = sshd.Start(ctx, sshd.Options{
		Config: sshdConfig(dir), ConfigFile: filepath.Join(dir, "sshd_config"), Output: s.out,
		Prefix: []string{h.lab.ip, "netns", "exec", h.NS},
		Dial:   h.Dial, Addr: "127.0.0.1:22", Poll: 100 * time.Millisecond,
	})
	if err != nil {
		tb.Fatalf("netns: sshd on host %s: %v\n%s", h.Name, err, s.Output())
	}
	h.lab.onCleanup(s.daemon.Kill)
	return s
}

// writeHostKey makes an ed25519 host key in dir/host_key.
func writeHostKey(dir string) (ssh.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "host_key"), pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, err
	}
	return ssh.NewPublicKey(pub)
}

// KnownHostsLine returns a known_hosts line trusting key for the host's
// addresses on port.
func (h *Host) KnownHostsLine(port int, key ssh.PublicKey) string {
	var addrs []string
	for _, ip := range []string{h.IPv4.String(), h.IPv6.String()} {
		addrs = append(addrs, net.JoinHostPort(ip, fmt.Sprint(port)))
	}
	return knownhosts.Line(addrs, key)
}
