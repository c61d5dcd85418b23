package main

import (
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn/vmtest"
)

// aliveArgs builds "alive FLAGS... HOST".
func aliveArgs(flags []string, more ...string) []string {
	return append(append([]string{"alive"}, flags...), more...)
}

func TestAliveCmd(t *testing.T) {
	srv, flags := cliServer(t)
	port := strconv.Itoa(srv.Port())
	flags = append(flags, "--ports", port, "--no-icmp")

	stdout, stderr, code := cliRun(t, aliveArgs(flags, srv.Addr())...)
	if code != 0 || stdout != "alive: ssh\n" {
		t.Errorf("alive: %d %q %q; want 0, alive: ssh", code, stdout, stderr)
	}

	for _, flag := range []string{"--layers", "-v"} { // the table; -v also logs on stderr
		stdout, _, code = cliRun(t, aliveArgs(flags, flag, srv.Addr())...)
		for _, want := range []string{"alive: ssh\n", "address 127.0.0.1", "LAYER", "ssh/" + port, "answered", "tcp/" + port, "skipped"} {
			if code != 0 || !strings.Contains(stdout, want) {
				t.Errorf("alive %s: %d, output lacks %q:\n%s", flag, code, want, stdout)
			}
		}
	}

	stdout, _, code = cliRun(t, aliveArgs(flags, "--json", srv.Addr())...)
	var res struct {
		Alive       bool   `json:"alive"`
		Layer       string `json:"layer"`
		Operational bool   `json:"operational"`
		Layers      []struct {
			Layer, Target, Outcome string
		} `json:"layers"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || code != 0 {
		t.Fatalf("alive --json: %d %q: %v", code, stdout, err)
	}
	if !res.Alive || res.Layer != "ssh" || !res.Operational || len(res.Layers) != 3 || res.Layers[0].Target != "ssh/"+port {
		t.Errorf("alive --json: %+v", res)
	}

	srv.StopListening() // sshd stopped: the port refuses
	stdout, _, code = cliRun(t, aliveArgs(flags, srv.Addr())...)
	if want := "alive: tcp (" + port + " refused)\n"; code != 0 || stdout != want {
		t.Errorf("stopped sshd: %d %q; want 0, %q", code, stdout, want)
	}
}

func TestAliveCmdDown(t *testing.T) {
	hole := strconv.Itoa(cliBlackhole(t))
	start := time.Now()
	stdout, stderr, code := cliRun(t, "alive", "--no-icmp", "--ports", hole, "--timeout", "300ms", "127.0.0.1:"+hole)
	if code != 1 || stdout != "down\n" || stderr != "" {
		t.Errorf("dead port: %d %q %q; want 1, down", code, stdout, stderr)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v with --timeout 300ms", took)
	}
	stdout, _, code = cliRun(t, "alive", "--json", "--no-icmp", "--ports", hole, "--timeout", "300ms", "127.0.0.1:"+hole)
	var res map[string]any
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || code != 1 || res["alive"] != false || res["layer"] != "none" {
		t.Errorf("dead port --json: %d %q", code, stdout)
	}
}

func TestAliveCmdIPv6(t *testing.T) {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	for _, host := range []string{"::1", "[::1]", "[::1]:" + port} {
		stdout, stderr, code := cliRun(t, "alive", "--no-ssh", "--no-icmp", "--ports", port, host)
		if want := "alive: tcp (" + port + " open)\n"; code != 0 || stdout != want {
			t.Errorf("%s: %d %q %q; want %q", host, code, stdout, stderr, want)
		}
	}
}

func TestAliveCmdBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string // in stderr
	}{
		{"no host", []string{"alive"}, 2, "requires at least 1 arg"},
		{"port zero", []string{"alive", "--ports", "22,0", "127.0.0.1"}, 2, `"0" is not a port`},
		{"port too big", []string{"alive", "--ports", "70000", "127.0.0.1"}, 2, "not a port"},
		{"port not a number", []string{"alive", "--ports", "ssh", "127.0.0.1"}, 2, "not a port"},
		{"empty port", []string{"alive", "--ports", "22,,80", "127.0.0.1"}, 2, "not a port"},
		{"zero timeout", []string{"alive", "--timeout", "0s", "127.0.0.1"}, 2, "--timeout must be positive"},
		{"negative timeout", []string{"alive", "--timeout", "-1s", "127.0.0.1"}, 2, "--timeout must be positive"},
		{"bad timeout", []string{"alive", "--timeout", "soon", "127.0.0.1"}, 2, "invalid argument"},
		{"bad host", []string{"alive", "[::1"}, 2, "missing ']'"},
		{"bad host port", []string{"alive", "127.0.0.1:99999"}, 2, "out of range"},
		{"unresolvable", []string{"alive", "no-such-host.onion"}, 1, "resolve no-such-host.onion"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := cliRun(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("%v: %d stdout %q stderr %q; want %d and %q", tt.args, code, stdout, stderr, tt.code, tt.want)
			}
		})
	}
	stdout, _, code := cliRun(t, "alive", "--json", "no-such-host.onion")
	var res map[string]any
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || code != 1 || res["alive"] != false || !strings.Contains(res["error"].(string), "resolve") {
		t.Errorf("unresolvable --json: %d %q", code, stdout)
	}
}

// cliBlackhole returns a loopback port that silently drops connection
// attempts (vmtest.NewBlackhole).
func cliBlackhole(t *testing.T) int {
	b, err := vmtest.NewBlackhole()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b.Port()
}
