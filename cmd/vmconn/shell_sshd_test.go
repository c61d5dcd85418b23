//go:build unix

package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/sshdtest"
)

// sshdShellArgs starts a real sshd and returns the shell's arguments.
// With a login shell given, it logs in as a throwaway user with that
// login shell.
func sshdShellArgs(t *testing.T, loginShell string) (*sshdtest.Server, []string) {
	o := sshdtest.Options{HostKeyTypes: []string{"ed25519"}}
	if loginShell != "" {
		o.PasswordUser, o.LoginShell = true, loginShell
	}
	s := sshdtest.Start(t, o)
	return s, []string{"-F", "none", "-i", s.ClientKeyFile, "--known-hosts", s.KnownHostsFile,
		"-p", strconv.Itoa(s.Port), "-l", s.User, s.Host}
}

// TestShellSSHD: against OpenSSH, under several login shells, the login
// shell runs on a terminal of the local size, a resize is seen by stty
// size, and the exit status is the CLI's.
func TestShellSSHD(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"", "bash", "fish", "tcsh"} {
		t.Run("shell="+shell, func(t *testing.T) {
			t.Parallel()
			_, args := sshdShellArgs(t, shell)
			assertShellTerminal(t, args...)
		})
	}
}

// TestShellSSHDLost: when sshd's session processes are killed, the CLI
// prints the one-line notice and exits 255.
func TestShellSSHDLost(t *testing.T) {
	t.Parallel()
	s, args := sshdShellArgs(t, "")
	cli := startShellCLI(t, args...)
	cli.typeLine("echo rea''dy")
	cli.waitOutput("ready")
	s.KillConnections(t)
	code := cli.exitCode()
	if out := cli.out.String(); code != 255 || !strings.Contains(out, "vmconn: connection to "+s.Host+" lost; the machine did not reboot") {
		t.Errorf("exit status %d, terminal %q; want 255 and the notice", code, out)
	}
}
