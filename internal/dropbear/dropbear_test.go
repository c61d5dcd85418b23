package dropbear_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/dropbear"
	"github.com/vmconn/vmconn/internal/sshd"
	"github.com/vmconn/vmconn/internal/testenv"
	"github.com/vmconn/vmconn/internal/testkit"
	"go.uber.org/goleak"
	"golang.org/x/crypto/ssh"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestStart: dropbear listens on loopback, presents the OpenSSH host key
// it was given (converted), and stops.
func TestStart(t *testing.T) {
	_, err := dropbear.Path()
	testenv.Require(t, err == nil, fmt.Sprintf("dropbear: %v", err))
	dir := t.TempDir()
	hostKey := filepath.Join(dir, "host_key")
	pub := testkit.WriteKeyFile(t, hostKey)
	port := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var out bytes.Buffer
	d, err := dropbear.Start(ctx, dropbear.Config{Port: port, Address: "127.0.0.1", HostKeyFile: hostKey},
		sshd.Options{Output: &out})
	if err != nil {
		t.Fatalf("Start: %v\n%s", err, out.String())
	}
	defer d.Kill()
	var got ssh.PublicKey
	cfg := &ssh.ClientConfig{User: "nobody", Timeout: 10 * time.Second,
		HostKeyAlgorithms: []string{ssh.KeyAlgoED25519}, // see the package doc
		HostKeyCallback:   func(_ string, _ net.Addr, key ssh.PublicKey) error { got = key; return nil }}
	c, err := ssh.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cfg)
	if err == nil {
		c.Close()
		t.Fatal("logged in with no key")
	}
	if got == nil || !bytes.Equal(got.Marshal(), pub.Marshal()) {
		t.Errorf("host key %v; want the one given", got)
	}
	if err := d.Stop(2 * time.Second); err != nil {
		t.Errorf("Stop: %v", err)
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
