package sshdtest_test

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/sshdtest"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestAvailable(t *testing.T) {
	sshdtest.Require(t)
	if err := sshdtest.Available(); err != nil {
		t.Fatal(err)
	}
}

func TestRunCommand(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	c := s.Dial(t)
	if got := run(t, c, "echo hi"); got != "hi\n" {
		t.Errorf("echo hi: got %q", got)
	}
	if got := strings.TrimSpace(run(t, c, "id -un")); got != s.User {
		t.Errorf("logged in as %q, want %q", got, s.User)
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var exit *ssh.ExitError
	if err := sess.Run("exit 3"); !errors.As(err, &exit) || exit.ExitStatus() != 3 {
		t.Errorf("exit 3: got %v, want exit status 3", err)
	}
}

func TestHostKeys(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	if len(s.HostKeys) != 3 {
		t.Fatalf("%d host keys, want 3", len(s.HostKeys))
	}
	for _, file := range []string{s.KnownHostsFile, s.HashedKnownHostsFile} {
		cb, err := knownhosts.New(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range s.HostKeys {
			if err := cb(s.Addr, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: s.Port}, k); err != nil {
				t.Errorf("%s does not accept %s key: %v", file, k.Type(), err)
			}
		}
		cfg := s.ClientConfig(t)
		cfg.HostKeyCallback = cb
		c, err := ssh.Dial("tcp", s.Addr, cfg)
		if err != nil {
			t.Fatalf("dial checking %s: %v", file, err)
		}
		c.Close()
	}
	hashed, _ := os.ReadFile(s.HashedKnownHostsFile)
	if !strings.HasPrefix(string(hashed), "|1|") || strings.Contains(string(hashed), "127.0.0.1") {
		t.Errorf("hashed known_hosts is not hashed:\n%s", hashed)
	}
	// OpenSSH finds the port-qualified host name in both files.
	for _, file := range []string{s.KnownHostsFile, s.HashedKnownHostsFile} {
		out, err := exec.Command("ssh-keygen", "-F", "[127.0.0.1]:"+strconv.Itoa(s.Port), "-f", file).CombinedOutput()
		if err != nil {
			t.Errorf("ssh-keygen -F in %s: %v\n%s", file, err, out)
		}
	}
}

func TestEncryptedKey(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	pem, err := os.ReadFile(s.EncryptedKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	var missing *ssh.PassphraseMissingError
	if _, err := ssh.ParsePrivateKey(pem); !errors.As(err, &missing) {
		t.Fatalf("parse without passphrase: got %v, want PassphraseMissingError", err)
	}
	signer, err := ssh.ParsePrivateKeyWithPassphrase(pem, []byte(s.Passphrase))
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.ClientConfig(t)
	cfg.Auth = []ssh.AuthMethod{ssh.PublicKeys(signer)}
	c, err := ssh.Dial("tcp", s.Addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := run(t, c, "echo ok"); got != "ok\n" {
		t.Errorf("got %q", got)
	}
}

func TestOpenSSHClient(t *testing.T) {
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("no OpenSSH client:", err)
	}
	s := sshdtest.Start(t, sshdtest.Options{})
	out, err := exec.Command("ssh", append(s.SSHArgs(), "echo", "hi")...).CombinedOutput()
	if err != nil || string(out) != "hi\n" {
		t.Errorf("ssh %v: %v, output %q", s.SSHArgs(), err, out)
	}
}

func TestAcceptEnv(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	c := s.Dial(t)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.Setenv("VMCONN_TEST", "yes"); err != nil {
		t.Errorf("VMCONN_TEST refused: %v", err)
	}
	if err := sess.Setenv("OTHER_VAR", "no"); err == nil {
		t.Errorf("OTHER_VAR accepted; sshd should refuse what AcceptEnv does not name")
	}
	out, err := sess.Output("echo $VMCONN_TEST")
	if err != nil || string(out) != "yes\n" {
		t.Errorf("got %q, %v", out, err)
	}
}
