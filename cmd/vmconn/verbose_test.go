package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/sshdtest"
)

// TestVerboseNoSecret: -vv logs the dial, the host key verdict, the auth
// methods tried and each command, on stderr, but never the login
// password, the sudo password or an Env value; -v leaves out the
// commands, and without -v nothing is logged.
func TestVerboseNoSecret(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{PasswordUser: true, HostKeyTypes: []string{"ed25519"}})
	file := filepath.Join("/etc/sudoers.d", s.User)
	os.WriteFile(file, []byte(s.User+" ALL=(ALL) ALL\n"), 0o440)
	t.Cleanup(func() { os.Remove(file) })
	const secret = "env-secret-4f9c1e"
	t.Setenv("VMCONN_T_PW", s.Password)
	args := []string{"-F", "none", "--known-hosts", s.KnownHostsFile, "-p", strconv.Itoa(s.Port), "-l", s.User, "--password-env", "VMCONN_T_PW"}
	for _, tt := range []struct {
		name      string
		call      []string
		want, not []string
	}{
		{"exec -vv", []string{"-vv", "exec", "--sudo-password-env", "VMCONN_T_PW", "-n", s.Host, "id -u"},
			[]string{"vmconn: dialing", "host key accepted", "auth: trying password", "auth=password", "vmconn: connected", "vmconn: command", "id -u"}, nil},
		{"long -vv", []string{"long", "-vv", "-e", "TOKEN=" + secret, s.Host, "--", `test "$TOKEN" = ` + secret},
			[]string{"vmconn: command", "TOKEN"}, nil},
		{"exec -v", []string{"exec", "-v", "-n", s.Host, "true"},
			[]string{"host key accepted", "auth: trying password"}, []string{"vmconn: command"}},
		{"exec", []string{"exec", "-n", s.Host, "true"}, nil, []string{"vmconn:"}},
	} {
		_, errOut, code := cliRun(t, append(append([]string{}, args...), tt.call...)...)
		if code != 0 {
			t.Errorf("%s: exit %d, stderr %q", tt.name, code, errOut)
		}
		for _, w := range tt.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%s: stderr lacks %q:\n%s", tt.name, w, errOut)
			}
		}
		for _, n := range append(tt.not, s.Password, secret+" ", secret+"\"", "="+secret) {
			if strings.Contains(errOut, n) {
				t.Errorf("%s: stderr holds %q:\n%s", tt.name, n, errOut)
			}
		}
	}
}

// TestVersionFlag: --version prints the module version and the build's
// VCS revision, "(devel)" and "+dirty" for a changed checkout.
func TestVersionFlag(t *testing.T) {
	t.Parallel()
	out, errOut, code := cliRun(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "vmconn version ") {
		t.Errorf("--version: exit %d, %q %q", code, out, errOut)
	}
	for _, tt := range []struct {
		version  string
		settings []debug.BuildSetting
		want     string
	}{
		{"v1.2.3", nil, "v1.2.3, go1.x"},
		{"(devel)", []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.time", Value: "2026-12-01T07:00:00Z"}, {Key: "vcs.modified", Value: "true"}},
			"(devel) (revision abc123+dirty, 2026-12-01T07:00:00Z), go1.x"},
		{"", []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "false"}}, "(devel) (revision abc123), go1.x"},
	} {
		info := &debug.BuildInfo{GoVersion: "go1.x", Main: debug.Module{Version: tt.version}, Settings: tt.settings}
		if got := versionOf(info); got != tt.want {
			t.Errorf("versionOf(%q, %v) = %q; want %q", tt.version, tt.settings, got, tt.want)
		}
	}
}
