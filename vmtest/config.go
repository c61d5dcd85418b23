package vmtest

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/vmconn/vmconn"
	"golang.org/x/crypto/ssh"
)

// SSHConfigHost is the host alias in SSHConfigFile.
const SSHConfigHost = "vmtest"

// Config returns a new vmconn.Config that logs in to the server as User
// with ClientSigner and checks its host key against KnownHostsFile: dial
// it with vmconn.Dial(ctx, srv.Addr(), srv.Config()). It offers only
// that key and uses no ssh-agent. Each call returns a new Config, which
// the caller may change.
func (s *Server) Config() *vmconn.Config {
	return &vmconn.Config{
		User:            s.user,
		Port:            s.port,
		Signers:         []ssh.Signer{s.clientSigner},
		IdentitiesOnly:  true,
		NoAgent:         true,
		KnownHostsFiles: []string{s.knownHosts},
	}
}

// SSHConfig returns an ssh_config(5) entry for the server under the host
// alias host, for OpenSSH's ssh, scp and sftp and for vmconn's -F: its
// address, user, ClientKeyFile and KnownHostsFile, with strict host key
// checking and no agent.
func (s *Server) SSHConfig(host string) string {
	return fmt.Sprintf(`Host %s
  HostName %s
  Port %d
  User %s
  IdentityFile %s
  IdentitiesOnly yes
  IdentityAgent none
  UserKnownHostsFile %s
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  PasswordAuthentication no
  KbdInteractiveAuthentication no
  BatchMode yes
`, host, s.Host(), s.port, s.user, s.keyFile, s.knownHosts)
}

// SSHConfigFile returns the path of a file holding SSHConfig(SSHConfigHost):
// "ssh -F FILE vmtest" logs in to the server. Close removes it.
func (s *Server) SSHConfigFile() string { return s.sshConfig }

// writeSSHConfig writes the ssh_config file and returns its path.
func (s *Server) writeSSHConfig() (string, error) {
	path := filepath.Join(s.tempDir, "ssh_config")
	return path, os.WriteFile(path, []byte(s.SSHConfig(SSHConfigHost)), 0o600)
}
