//go:build linux || darwin || freebsd

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vmconn/vmconn/control"
	"github.com/vmconn/vmconn/internal/faultproxy"
	"github.com/vmconn/vmconn/internal/sshdtest"
	"github.com/vmconn/vmconn/internal/testenv"
)

// controlHarness is a real sshd behind a fault proxy, and the flags that
// reach it through the proxy with connection sharing on.
type controlHarness struct {
	s     *sshdtest.Server
	proxy *faultproxy.Proxy
	dir   string // private directory of the control sockets
	flags []string
	host  string
}

func newControlHarness(t *testing.T) *controlHarness {
	t.Helper()
	sshdtest.Require(t)
	t.Setenv(runMainEnv, "1") // masters are this test binary, playing the CLI
	s := sshdtest.Start(t, sshdtest.Options{HostKeyTypes: []string{"ed25519"}})
	p, err := faultproxy.New(s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	dir, err := os.MkdirTemp("", "vmcc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	port := p.Addr()[strings.LastIndexByte(p.Addr(), ':')+1:]
	kh := filepath.Join(dir, "known_hosts")
	line, _ := os.ReadFile(s.KnownHostsFile)
	fields := strings.Fields(string(line))
	os.WriteFile(kh, []byte("[127.0.0.1]:"+port+" "+strings.Join(fields[1:], " ")+"\n"), 0o600)
	h := &controlHarness{s: s, proxy: p, dir: dir, host: "127.0.0.1",
		flags: []string{"-F", "none", "-i", s.ClientKeyFile, "--known-hosts", kh, "-p", port, "-l", s.User,
			"--control-persist", "30s", "--control-path", filepath.Join(dir, "cm-%h-%p")}}
	t.Cleanup(func() { h.run(t, "control", "stop", h.host) })
	return h
}

// run runs the CLI with the harness's flags first.
func (h *controlHarness) run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return cliRun(t, append(append([]string{}, h.flags...), args...)...)
}

// masterPID returns the pid control check reports, or 0.
func (h *controlHarness) masterPID(t *testing.T) int {
	out, _, code := h.run(t, "--json", "control", "check", h.host)
	if code != 0 {
		return 0
	}
	var info control.Info
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatalf("control check --json: %v: %q", err, out)
	}
	return info.PID
}

// TestCLIControlMaster: calls share one master, which keeps vmconn's
// guarantees (streams, exit status, guard, jobs, cp, boot id) and
// connects to sshd once.
func TestCLIControlMaster(t *testing.T) {
	h := newControlHarness(t)
	if out, errOut, code := h.run(t, "exec", h.host, "--", "echo hi; echo err >&2; exit 7"); code != 7 || out != "hi\n" || errOut != "err\n" {
		t.Fatalf("exec: exit %d, %q, %q", code, out, errOut)
	}
	pid := h.masterPID(t)
	if pid == 0 || pid == os.Getpid() {
		t.Fatalf("no master after the first call (pid %d)", pid)
	}
	for i := range 5 {
		if out, errOut, code := h.run(t, "exec", h.host, "--", "echo", strconv.Itoa(i)); code != 0 || out != strconv.Itoa(i)+"\n" {
			t.Fatalf("exec %d: exit %d, %q, %q", i, code, out, errOut)
		}
	}
	boot, _, code := h.run(t, "bootid", h.host)
	if code != 0 || len(strings.TrimSpace(boot)) != 36 {
		t.Fatalf("bootid: %d %q", code, boot)
	}
	if out, errOut, code := h.run(t, "exec", "--boot-id", strings.TrimSpace(boot), h.host, "--", "echo same boot"); code != 0 || out != "same boot\n" {
		t.Fatalf("exec --boot-id: %d %q %q", code, out, errOut)
	}
	wrong := "00000000-0000-4000-8000-000000000000"
	if out, errOut, code := h.run(t, "exec", "--boot-id", wrong, h.host, "--", "echo ran"); code != exitRebooted || out != "" ||
		!strings.Contains(errOut, "rebooted: "+wrong+" -> "+strings.TrimSpace(boot)) {
		t.Fatalf("exec --boot-id of another boot: %d %q %q, want 254 and nothing run", code, out, errOut)
	}
	if _, errOut, code := h.run(t, "-v", "exec", h.host, "--", "true"); code != 0 || !strings.Contains(errOut, "ran through a master") {
		t.Fatalf("exec -v: %d %q: want the command run by the master (control.Run)", code, errOut)
	}
	if out, errOut, code := h.run(t, "exec", "--tty", h.host, "--", "test -t 0 && echo tty"); code != 0 || !strings.Contains(out, "tty") {
		t.Fatalf("exec --tty through the master: %d %q %q", code, out, errOut)
	}
	if out, errOut, code := h.run(t, "guard", h.host, "echo guarded"); code != 0 || out != "guarded\n" {
		t.Fatalf("guard: %d %q %q", code, out, errOut)
	}
	jobs := filepath.Join(h.dir, "jobs")
	out, errOut, code := h.run(t, "long", "--dir", jobs, h.host, "--", "echo job; exit 3")
	if code != 3 || out != "job\n" {
		t.Fatalf("long: %d %q %q", code, out, errOut)
	}
	id := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(errOut, "\n", 2)[0], "job: "))
	if out, errOut, code := h.run(t, "attach", "--dir", jobs, h.host, id); code != 3 || out != "job\n" {
		t.Fatalf("attach %s: %d %q %q", id, code, out, errOut)
	}
	if _, errOut, code := h.run(t, "kill", "--dir", jobs, h.host, id); code != exitNoJob || !strings.Contains(errOut, "ended") && !strings.Contains(errOut, "finished") {
		t.Errorf("kill of an ended job: %d %q", code, errOut)
	}
	if out, errOut, code := h.run(t, "jobs", "--dir", jobs, h.host); code != 0 || !strings.Contains(out, "exit 3") && !strings.Contains(out, "3") {
		t.Fatalf("jobs: %d %q %q", code, out, errOut)
	}
	src := filepath.Join(h.dir, "data")
	data := bytes.Repeat([]byte("0123456789abcdef"), 40000)
	os.WriteFile(src, data, 0o600)
	if _, errOut, code := h.run(t, "cp", "--verify", src, h.host+":"+filepath.Join(h.dir, "copy")); code != 0 {
		t.Fatalf("cp: %d %q", code, errOut)
	}
	if got, _ := os.ReadFile(filepath.Join(h.dir, "copy")); !bytes.Equal(got, data) {
		t.Errorf("cp: %d bytes arrived, want %d", len(got), len(data))
	}
	if accepted, _ := h.proxy.Stats(); accepted != 1 {
		t.Errorf("sshd saw %d connections, want 1 (the master's)", accepted)
	}
	if p := h.masterPID(t); p != pid {
		t.Errorf("master changed: pid %d, then %d", pid, p)
	}
	if _, errOut, code := h.run(t, "control", "stop", h.host); code != 0 {
		t.Fatalf("control stop: %d %q", code, errOut)
	}
	if _, errOut, code := h.run(t, "control", "check", h.host); code != exitFailed || !strings.Contains(errOut, "no master") {
		t.Errorf("control check after stop: exit %d, %q", code, errOut)
	}
	// The master was this test process's child: once stopped, it is
	// reaped, not left a zombie while its starter runs on.
	testenv.Eventually(t, 10*time.Second, func() bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }, "stopped master reaped")
}

// TestCLIControlLinkCut cuts the master's link to sshd while a shared
// call streams: the call reports the lost connection (exit 255), and the
// next call goes through the master's new connection.
func TestCLIControlLinkCut(t *testing.T) {
	h := newControlHarness(t)
	out := &lockedBuffer{when: "started", do: func() { h.proxy.Cut() }}
	_, errOut, code := cliRunWith(t, out, append(append([]string{}, h.flags...), "exec", h.host, "--", "echo started; sleep 20; echo never")...)
	if code != exitConnError || out.String() != "started\n" {
		t.Fatalf("cut call: exit %d, stdout %q, stderr %q; want 255 after the first line", code, out.String(), errOut)
	}
	if got, errOut, code := h.run(t, "exec", h.host, "--", "echo back"); code != 0 || got != "back\n" {
		t.Fatalf("after the cut: %d %q %q", code, got, errOut)
	}
	if accepted, _ := h.proxy.Stats(); accepted != 2 {
		t.Errorf("sshd saw %d connections, want 2 (the master's, and its reconnection)", accepted)
	}
}

// TestCLIControlMasterKilled: a master killed mid-command leaves the call
// with a lost connection (exit 255) and a stale socket; the next call
// starts a new master.
func TestCLIControlMasterKilled(t *testing.T) {
	h := newControlHarness(t)
	if _, errOut, code := h.run(t, "exec", h.host, "--", "true"); code != 0 {
		t.Fatalf("first call: %d %q", code, errOut)
	}
	pid := h.masterPID(t)
	out := &lockedBuffer{when: "started", do: func() { syscall.Kill(pid, syscall.SIGKILL) }}
	_, errOut, code := cliRunWith(t, out, append(append([]string{}, h.flags...), "exec", h.host, "--", "echo started; sleep 20")...)
	if code != exitConnError {
		t.Fatalf("call through the killed master: exit %d, %q, %q", code, out.String(), errOut)
	}
	if got, errOut, code := h.run(t, "exec", h.host, "--", "echo new"); code != 0 || got != "new\n" {
		t.Fatalf("after the kill: %d %q %q", code, got, errOut)
	}
	if p := h.masterPID(t); p == 0 || p == pid {
		t.Errorf("new master pid %d (old %d)", p, pid)
	}
}

// TestCLIControlBadPaths: a path too long for a socket, a socket owned
// by another user, and a master with other settings.
func TestCLIControlBadPaths(t *testing.T) {
	h := newControlHarness(t)
	long := append(append([]string{}, h.flags...), "--control-path", filepath.Join(h.dir, strings.Repeat("x", 110)), "exec", h.host, "--", "true")
	if _, errOut, code := cliRun(t, long...); code != exitUsage || !strings.Contains(errOut, "too long") {
		t.Errorf("long path: exit %d, %q", code, errOut)
	}
	// Another key at the same path: the call connects directly.
	if _, errOut, code := h.run(t, "exec", h.host, "--", "true"); code != 0 {
		t.Fatalf("first call: %d %q", code, errOut)
	}
	other := append(append([]string{}, h.flags...), "-o", "StrictHostKeyChecking=accept-new", "exec", h.host, "--", "echo direct")
	if out, errOut, code := cliRun(t, other...); code != 0 || out != "direct\n" {
		t.Errorf("other settings: exit %d, %q, %q", code, out, errOut)
	}
	if accepted, _ := h.proxy.Stats(); accepted != 2 {
		t.Errorf("sshd saw %d connections, want 2 (the master's and the direct call's)", accepted)
	}
	if os.Geteuid() != 0 {
		return
	}
	sock := filepath.Join(h.dir, "cm-127.0.0.1-"+h.flags[7])
	if err := os.Lchown(sock, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := h.run(t, "exec", h.host, "--", "true"); code != exitUsage || !strings.Contains(errOut, "belongs to uid 65534") {
		t.Errorf("socket of another user: exit %d, %q", code, errOut)
	}
	os.Lchown(sock, 0, 0)
}

// TestCLIControlSSHConfig: ssh_config's ControlMaster, ControlPath and
// ControlPersist turn sharing on, with a ".vmconn" suffix on the path.
func TestCLIControlSSHConfig(t *testing.T) {
	h := newControlHarness(t)
	cfg := filepath.Join(h.dir, "config")
	os.WriteFile(cfg, []byte("Host shared\n  HostName 127.0.0.1\n  ControlMaster auto\n  ControlPath "+h.dir+"/ssh-%r@%h:%p\n  ControlPersist 20s\n"), 0o600)
	flags := append([]string{}, h.flags[2:len(h.flags)-4]...) // no -F none, no --control-*
	run := func(args ...string) (string, string, int) {
		return cliRun(t, append(append([]string{"-F", cfg}, flags...), args...)...)
	}
	if out, errOut, code := run("exec", "shared", "--", "echo viaconfig"); code != 0 || out != "viaconfig\n" {
		t.Fatalf("exec: %d %q %q", code, out, errOut)
	}
	sock := filepath.Join(h.dir, "ssh-"+h.s.User+"@127.0.0.1:"+h.flags[7]+".vmconn")
	if fi, err := os.Lstat(sock); err != nil || fi.Mode().Type() != os.ModeSocket {
		t.Fatalf("no master socket at %s: %v", sock, err)
	}
	run("exec", "shared", "--", "true")
	if accepted, _ := h.proxy.Stats(); accepted != 1 {
		t.Errorf("sshd saw %d connections, want 1", accepted)
	}
	if _, errOut, code := run("control", "stop", "shared"); code != 0 {
		t.Errorf("control stop: %d %q", code, errOut)
	}
}

// TestCLIControlWarmSession: between calls, a master keeps a warm
// session (vmconn.Config.WarmSession): the next call's command runs in
// the shell that was already waiting on the machine before the call.
func TestCLIControlWarmSession(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("finds the waiting shell in Linux's /proc")
	}
	h := newControlHarness(t)
	if _, errOut, code := h.run(t, "exec", h.host, "--", "true"); code != 0 {
		t.Fatalf("first call: %d %q", code, errOut)
	}
	waiting := map[string]bool{}
	for deadline := time.Now().Add(10 * time.Second); len(waiting) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no waiting shell on the machine after the first call")
		}
		sshd, _ := os.ReadFile(filepath.Join(h.s.Dir, "sshd.pid"))
		files, _ := filepath.Glob("/proc/[0-9]*/cmdline")
		for _, f := range files {
			pid := filepath.Base(filepath.Dir(f))
			if b, _ := os.ReadFile(f); bytes.Contains(b, []byte("__vmconn_s=; while")) && descends(pid, strings.TrimSpace(string(sshd))) {
				waiting[pid] = true // this test's: other tests' masters keep warm sessions too
			}
		}
	}
	out, errOut, code := h.run(t, "exec", h.host, "--", "echo $$; echo err >&2; exit 7")
	if code != 7 || errOut != "err\n" || !waiting[strings.TrimSpace(out)] {
		t.Errorf("second call: exit %d, stdout %q, stderr %q; want exit 7 from one of the waiting shells %v", code, out, errOut, waiting)
	}
}

// descends reports whether process pid descends from process ancestor.
func descends(pid, ancestor string) bool {
	for range 64 {
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			return false
		}
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:])) // after the command name
		if len(fields) < 2 || fields[1] == "0" {
			return false
		}
		if pid = fields[1]; pid == ancestor {
			return true
		}
	}
	return false
}
