package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestBootIDCmd(t *testing.T) {
	srv, flags := cliServer(t)
	stdout, stderr, code := cliRun(t, append(append([]string{"bootid"}, flags...), srv.Addr())...)
	if code != 0 || stdout != srv.BootID()+"\n" {
		t.Errorf("bootid: %d %q %q; want %q", code, stdout, stderr, srv.BootID())
	}
}

func TestRebootCmd(t *testing.T) {
	srv, flags := cliServer(t)
	before := srv.BootID()
	stdout, stderr, code := cliRun(t, append(append([]string{"reboot", "--json"}, flags...), srv.Addr())...)
	var res map[string]any
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || code != 0 {
		t.Fatalf("reboot: %d %q %q", code, stdout, stderr)
	}
	if res["old_boot_id"] != before || res["new_boot_id"] != srv.BootID() {
		t.Errorf("reboot printed %v; want %s -> %s", res, before, srv.BootID())
	}
	_, stderr, code = cliRun(t, append(append([]string{"reboot", "--command", "exit 7"}, flags...), srv.Addr())...)
	if code != 255 || !strings.Contains(stderr, "status 7") {
		t.Errorf("failing reboot command: %d %q", code, stderr)
	}
}

func TestGuardCmd(t *testing.T) {
	srv, flags := cliServer(t)
	before := srv.BootID()
	out := &lockedBuffer{when: "running", do: srv.Reboot}
	_, stderr, code := cliRunWith(t, out, append(append([]string{"guard"}, flags...), srv.Addr(), "echo running; sleep 30")...)
	if want := "rebooted: " + before + " -> " + srv.BootID(); code != 254 || !strings.Contains(stderr, want) {
		t.Errorf("guard across reboot: code %d stderr %q; want 254 and %q", code, stderr, want)
	}
	stdout, _, code := cliRun(t, append(append([]string{"guard"}, flags...), srv.Addr(), "echo fine; exit 5")...)
	if code != 5 || stdout != "fine\n" {
		t.Errorf("guard without reboot: %d %q", code, stdout)
	}
}

func TestDemo(t *testing.T) {
	stdout, stderr, code := cliRun(t, "demo")
	if code != 0 || !strings.Contains(stdout, "demo done") {
		t.Fatalf("demo: %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"tick 5", "ErrHostKeyUnknown)=true", "ErrUnreachable)=true", "ErrAuth)=true", ": gone", "ErrConnLost)=true", "live host:     alive: ssh ", "alive: tcp (", "rebooted: ", `last said "call 20"`,
		`read before the drop: "` + serviceGreeting + `\n"`, `read after the drop : "` + serviceGreeting + `\n"`, "another key:   refused (the master there serves other connection settings)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
}
