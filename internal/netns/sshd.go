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

	"github.com/vmconn/vmconn/internal/testenv"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHD is an OpenSSH sshd running inside a host's namespace on port 22,
// on all its addresses.
type SSHD struct {
	HostKey ssh.PublicKey // the server's ed25519 host key
	Port    int           // 22
	Process *Process
}

// sshdConfig is the whole sshd configuration: keys only, root allowed,
// files in dir.
const sshdConfig = `Port 22
ListenAddress 0.0.0.0
ListenAddress ::
HostKey %[1]s/host_key
AuthorizedKeysFile %[1]s/authorized_keys
PidFile none
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
MaxStartups 100
LogLevel VERBOSE
`

// StartSSHD starts sshd inside the host's namespace, accepting
// authorized for any user (root included), and waits until it listens.
// It skips tb when sshd is not installed (fails it under CI=true). The
// lab stops it on cleanup.
func (h *Host) StartSSHD(authorized ssh.PublicKey) *SSHD {
	tb := h.lab.tb
	tb.Helper()
	if authorized == nil {
		tb.Fatal("netns: StartSSHD needs a key to authorize")
	}
	bin := lookTool("sshd")
	testenv.Require(tb, bin != "", "netns: sshd (openssh-server) is not installed")
	dir := tb.TempDir()
	hostKey, err := writeHostKey(dir)
	if err != nil {
		tb.Fatalf("netns: %v", err)
	}
	files := map[string]string{
		"authorized_keys": string(ssh.MarshalAuthorizedKey(authorized)),
		"sshd_config":     fmt.Sprintf(sshdConfig, dir),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			tb.Fatalf("netns: %v", err)
		}
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil { // privilege separation directory
		tb.Fatalf("netns: %v", err)
	}
	p := h.Start(bin, "-D", "-e", "-f", filepath.Join(dir, "sshd_config"))
	h.waitListening(p, "127.0.0.1:22")
	return &SSHD{HostKey: hostKey, Port: 22, Process: p}
}

// waitListening waits until addr accepts connections inside the host,
// failing the test if p exits first or 10s pass.
func (h *Host) waitListening(p *Process, addr string) {
	tb := h.lab.tb
	tb.Helper()
	for range 100 {
		if done, err := p.Exited(); done {
			tb.Fatalf("netns: sshd on host %s exited: %v\n%s", h.Name, err, p.Output())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		c, err := h.Dial(ctx, "tcp", addr)
		cancel()
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.Fatalf("netns: sshd on host %s does not listen on %s\n%s", h.Name, addr, p.Output())
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
