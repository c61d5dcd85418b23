package sshdtest

import (
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// ClientConfig returns an x/crypto/ssh configuration that logs in as User
// with ClientKeyFile and checks the host key against KnownHostsFile.
func (s *Server) ClientConfig(t testing.TB) *ssh.ClientConfig {
	t.Helper()
	cb, err := knownhosts.New(s.KnownHostsFile)
	if err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	return &ssh.ClientConfig{
		User:            s.User,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(s.ClientSigner)},
		HostKeyCallback: cb,
		Timeout:         10 * time.Second,
	}
}

// Dial connects with ClientConfig and closes the client at cleanup.
func (s *Server) Dial(t testing.TB) *ssh.Client {
	t.Helper()
	c, err := ssh.Dial("tcp", s.Addr, s.ClientConfig(t))
	if err != nil {
		t.Fatalf("sshdtest: dial %s: %v", s.Addr, err)
	}
	t.Cleanup(func() {
		// Note the connection's commands first: closing it orphans them.
		s.procs.members()
		c.Close()
	})
	return c
}

// SSHArgs returns the arguments for the OpenSSH client to log in as User
// with ClientKeyFile, checking the host key against KnownHostsFile and
// ignoring the user's ssh_config; the destination comes last, so that a
// command can be appended: exec.Command("ssh", append(s.SSHArgs(), "true")...).
func (s *Server) SSHArgs() []string {
	return []string{
		"-F", "/dev/null",
		"-p", strconv.Itoa(s.Port),
		"-i", s.ClientKeyFile,
		"-o", "IdentitiesOnly=yes",
		"-o", "UserKnownHostsFile=" + s.KnownHostsFile,
		"-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes",
		s.User + "@" + s.Host,
	}
}
