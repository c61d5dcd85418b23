package vmtest

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/testenv"
)

// opensshArgs returns the OpenSSH client's arguments to log in to srv,
// with extra options before the destination; it skips without ssh.
func opensshArgs(t *testing.T, srv *Server, extra ...string) []string {
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("no OpenSSH client:", err)
	}
	args := []string{"-F", "/dev/null", "-N", "-p", strconv.Itoa(srv.Port()), "-i", srv.ClientKeyFile(),
		"-o", "IdentitiesOnly=yes", "-o", "UserKnownHostsFile=" + srv.KnownHostsFile(),
		"-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
		"-o", "ExitOnForwardFailure=yes"}
	return append(append(args, extra...), srv.User()+"@127.0.0.1")
}

// runSSH starts ssh with args and kills it at cleanup.
func runSSH(t *testing.T, args []string) *strings.Builder {
	ctx, cancel := context.WithCancel(context.Background())
	var out strings.Builder
	cmd := exec.CommandContext(ctx, "ssh", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	return &out
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// serveHello serves "hello" on 127.0.0.1.
func serveHello(t *testing.T) *httptest.Server {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hello") }))
	t.Cleanup(web.Close)
	return web
}

// getsHello polls url until it answers "hello" (ssh sets the forward up
// after logging in).
func getsHello(t *testing.T, url string) {
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	testenv.Eventually(t, 15*time.Second, func() bool {
		resp, err := hc.Get(url)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b) == "hello"
	}, "GET %s through the forward", url)
}

// TestOpenSSHLocalForward: OpenSSH's ssh -L works against vmtest.
func TestOpenSSHLocalForward(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	web := serveHello(t)
	port := freePort(t)
	runSSH(t, opensshArgs(t, srv, "-L", "127.0.0.1:"+strconv.Itoa(port)+":"+web.Listener.Addr().String()))
	getsHello(t, "http://127.0.0.1:"+strconv.Itoa(port)+"/")
}

// TestOpenSSHRemoteForward: OpenSSH's ssh -R works against vmtest.
func TestOpenSSHRemoteForward(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	web := serveHello(t)
	port := freePort(t)
	runSSH(t, opensshArgs(t, srv, "-R", "127.0.0.1:"+strconv.Itoa(port)+":"+web.Listener.Addr().String()))
	getsHello(t, "http://127.0.0.1:"+strconv.Itoa(port)+"/")
}

// TestDirectTCPIPLoopbackOnly: a direct-tcpip channel to an address that
// is not loopback is refused.
func TestDirectTCPIPLoopbackOnly(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	c := dial(t, srv)
	if _, err := c.Dial("tcp", "192.0.2.1:80"); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("direct-tcpip to 192.0.2.1: %v", err)
	}
}
