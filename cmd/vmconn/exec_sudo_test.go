package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/sshdtest"
)

func TestExecSudo(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{PasswordUser: true, HostKeyTypes: []string{"ed25519"}})
	file := filepath.Join("/etc/sudoers.d", s.User)
	os.WriteFile(file, []byte(s.User+" ALL=(ALL) ALL\n"), 0o440)
	t.Cleanup(func() { os.Remove(file) })
	t.Setenv("VMCONN_T_SUDO_PW", s.Password)
	args := []string{"-F", "none", "-i", s.ClientKeyFile, "--known-hosts", s.KnownHostsFile, "-p", strconv.Itoa(s.Port), "-l", s.User}
	out, errOut, code := cliRun(t, append(args, "exec", "--sudo-password-env", "VMCONN_T_SUDO_PW", "-n", s.Host, "id -u")...)
	if code != 0 || strings.TrimSpace(out) != "0" {
		t.Fatalf("exec --sudo: %q %q %d", out, errOut, code)
	}
	out, errOut, code = cliRun(t, append(args, "exec", "--sudo", "-n", s.Host, "id -u")...)
	if code != 255 || !strings.Contains(errOut, "password is required") {
		t.Fatalf("exec --sudo without password: %q %q %d", out, errOut, code)
	}
}
