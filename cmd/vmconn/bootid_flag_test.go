package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/sshdtest"
	"github.com/vmconn/vmconn/internal/testenv"
)

// bootIDCalls are the subcommands that take --boot-id, each as a call
// that creates marker when it runs; json says whether it prints JSON
// lines (cp prints one object of its own).
func bootIDCalls(t *testing.T, host, marker string) map[string][]string {
	src := filepath.Join(t.TempDir(), "src")
	if err := os.WriteFile(src, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	h, port, _ := net.SplitHostPort(host)
	return map[string][]string{
		"exec":  {"exec", host, "--", "touch " + marker},
		"guard": {"guard", host, "touch " + marker},
		"long":  {"long", "--dir", jobsDir(t), host, "--", "touch " + marker},
		"cp":    {"cp", "-q", src, "[" + h + "]:" + port + ":" + marker},
	}
}

// TestBootIDFlag: with the machine's boot id, each call runs; after a
// reboot, with the id taken before it, nothing runs and the call exits
// 254 with "rebooted: OLD -> NEW" on stderr, or with --json an object of
// class "rebooted" with both ids.
func TestBootIDFlag(t *testing.T) {
	srv, flags := cliServer(t)
	old := srv.BootID()
	srv.Reboot() // the calls below run once it is back
	testenv.Eventually(t, 10*time.Second, func() bool {
		_, _, code := cliRun(t, append(append([]string{"bootid"}, flags...), srv.Addr())...)
		return code == 0
	}, "the test VM did not come back after its reboot")
	for name := range bootIDCalls(t, srv.Addr(), "m") {
		for _, asJSON := range []bool{false, true} {
			marker := filepath.Join(t.TempDir(), "ran")
			call := bootIDCalls(t, srv.Addr(), marker)[name]
			a := append(append([]string{}, flags...), "--boot-id", srv.BootID())
			if asJSON {
				a = append(a, "--json")
			}
			_, errOut, code := cliRun(t, append(a, call...)...)
			if code != 0 {
				t.Fatalf("%s with the right boot id: exit %d, stderr %q", name, code, errOut)
			}
			if _, err := os.Stat(marker); err != nil {
				t.Fatalf("%s with the right boot id did not run: %v", name, err)
			}
			os.Remove(marker)
			a[len(flags)+1] = old
			out, errOut, code := cliRun(t, append(a, call...)...)
			if _, err := os.Stat(marker); err == nil {
				t.Errorf("%s (json %v) with a stale boot id ran", name, asJSON)
			}
			want := "rebooted: " + old + " -> " + srv.BootID()
			if code != 254 || (!asJSON && !strings.Contains(errOut, want)) {
				t.Errorf("%s (json %v): exit %d, stderr %q; want 254 and %q", name, asJSON, code, errOut, want)
			}
			if asJSON {
				checkRebootedJSON(t, name, out, old, srv.BootID())
			}
			a[len(flags)+1] = srv.BootID()
		}
	}
}

// checkRebootedJSON checks the last JSON object of a call --boot-id stopped.
func checkRebootedJSON(t *testing.T, name, out, old, now string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var o jsonObj
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &o); err != nil {
		t.Fatalf("%s --json: %q: %v", name, out, err)
	}
	if o.Class != "rebooted" || o.OldBootID != old || o.NewBootID != now || (name != "cp" && o.Type != "end") {
		t.Errorf("%s --json printed %+v; want an end object of class rebooted, %s -> %s", name, o, old, now)
	}
}

// TestBootIDFlagRefused: a --boot-id that is no boot id is refused with
// exit 2 before any dial (the address has no server: a dial would give
// 255), and so is --boot-id with several hosts.
func TestBootIDFlagRefused(t *testing.T) {
	t.Parallel()
	for name, call := range bootIDCalls(t, "127.0.0.1:1", "m") {
		for _, id := range []string{"nope", "", "btime:", "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0 "} {
			_, errOut, code := cliRun(t, append([]string{"--boot-id", id}, call...)...)
			if code != 2 || !strings.Contains(errOut, "boot id") {
				t.Errorf("%s --boot-id %q: exit %d, stderr %q; want 2", name, id, code, errOut)
			}
		}
	}
	_, errOut, code := cliRun(t, "exec", "--boot-id", "btime:1700000000", "-H", "127.0.0.1:1,127.0.0.2:1", "--", "true")
	if code != 2 || !strings.Contains(errOut, "-H") {
		t.Errorf("exec -H --boot-id: exit %d, stderr %q; want 2", code, errOut)
	}
}

// TestBootIDFlagCp: cp with the machine's boot id copies (real sshd, for
// sftp); with another, it copies nothing and exits 254.
func TestBootIDFlagCp(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{HostKeyTypes: []string{"ed25519"}})
	args := []string{"-F", "none", "-i", s.ClientKeyFile, "--known-hosts", s.KnownHostsFile, "-p", strconv.Itoa(s.Port), "-l", s.User}
	id, errOut, code := cliRun(t, append(append([]string{}, args...), "bootid", s.Host)...)
	if code != 0 {
		t.Fatalf("bootid: exit %d, stderr %q", code, errOut)
	}
	src := filepath.Join(t.TempDir(), "src")
	os.WriteFile(src, []byte("x"), 0o600)
	stale := "00000000-0000-4000-8000-000000000000"
	for _, tt := range []struct {
		id, dst string
		code    int
	}{{strings.TrimSpace(id), "copied", 0}, {stale, "not-copied", 254}} {
		_, errOut, code = cliRun(t, append(append([]string{}, args...), "cp", "-q", "--boot-id", tt.id, src, s.Host+":"+tt.dst)...)
		if code != tt.code {
			t.Errorf("cp --boot-id %s: exit %d, stderr %q; want %d", tt.id, code, errOut, tt.code)
		}
	}
	out, errOut, code := cliRun(t, append(append([]string{}, args...), "exec", s.Host, "--", "ls copied not-copied")...)
	if !strings.Contains(out, "copied\n") || strings.Contains(out, "not-copied\n") {
		t.Errorf("on the host after the copies: %q %q (exit %d); want only \"copied\"", out, errOut, code)
	}
}
