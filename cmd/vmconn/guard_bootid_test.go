package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/sshdtest"
)

// sftpOnlyServer starts an sshd whose ForceCommand runs commands until
// the returned flag file exists, then refuses them as an account limited
// to sftp does ("ForceCommand internal-sftp").
func sftpOnlyServer(t *testing.T) (s *sshdtest.Server, flag string, args []string) {
	t.Helper()
	dir := t.TempDir()
	flag, script := filepath.Join(dir, "sftp-only"), filepath.Join(dir, "force")
	body := "#!/bin/sh\nif [ -e " + flag + " ]; then echo 'this account is restricted to sftp' >&2; exit 1; fi\n" +
		"exec /bin/sh -c \"$SSH_ORIGINAL_COMMAND\"\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	s = sshdtest.Start(t, sshdtest.Options{HostKeyTypes: []string{"ed25519"}, ExtraConfig: []string{"ForceCommand " + script}})
	args = []string{"-F", "none", "-i", s.ClientKeyFile, "--known-hosts", s.KnownHostsFile, "-p", strconv.Itoa(s.Port), "-l", s.User}
	return s, flag, args
}

// TestGuardBootIDReadFails: a boot id that cannot be read, before or
// after the command, is its own failure: exit 255 and a message naming
// the boot id command and its stderr, also with --json; never the exit
// status 1 of the boot id command, taken for the command's own.
func TestGuardBootIDReadFails(t *testing.T) {
	s, flag, args := sftpOnlyServer(t)
	for _, tt := range []struct {
		name, command string
	}{
		{"before", "echo never"},
		{"after", "touch " + flag},
	} {
		for _, json := range []bool{false, true} {
			os.Remove(flag)
			if tt.name == "before" {
				os.WriteFile(flag, nil, 0o600)
			}
			a := append([]string{}, args...)
			if json {
				a = append(a, "--json")
			}
			out, errOut, code := cliRun(t, append(a, "guard", s.Host, tt.command)...)
			if code != 255 || !strings.Contains(errOut, vmconn.DefaultBootIDCommand) ||
				!strings.Contains(errOut, "restricted to sftp") || !strings.Contains(errOut, tt.name) {
				t.Errorf("%s (json %v): exit %d, stderr %q; want 255 and a message naming the boot id command, its stderr and %q",
					tt.name, json, code, errOut, tt.name)
			}
			if strings.Contains(out, "never") {
				t.Errorf("%s: the command ran: %q", tt.name, out)
			}
		}
	}
}
