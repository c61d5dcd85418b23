package forward_test

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/forward"
	"github.com/vmconn/vmconn/internal/sshdtest"
	"github.com/vmconn/vmconn/internal/testkit"
)

// dialSSHD starts an sshd and a client to it that reconnects quickly.
func dialSSHD(t *testing.T, extra ...string) (*sshdtest.Server, *vmconn.Client) {
	s := sshdtest.Start(t, sshdtest.Options{ExtraConfig: extra})
	cfg := testkit.SSHDConfig(s)
	cfg.ReconnectBackoff, cfg.ReconnectMaxBackoff = 5*time.Millisecond, 100*time.Millisecond
	cfg.ConnectTimeout = 10 * time.Second
	return s, testkit.DialSSHD(t, s, cfg)
}

// web serves "hello" on 127.0.0.1.
func web(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "hello")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// get fetches url with a fresh connection (no keep-alive) through tr.
func get(t *testing.T, url string, tr *http.Transport) (string, error) {
	tr.DisableKeepAlives = true
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 20 * time.Second}
	resp, err := hc.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func mustGet(t *testing.T, url string) {
	t.Helper()
	if body, err := get(t, url, &http.Transport{}); err != nil || body != "hello" {
		t.Fatalf("GET %s = %q, %v", url, body, err)
	}
}

func closeF(t *testing.T, f *forward.Forward) { t.Cleanup(func() { f.Close() }) }

// TestLocalSurvivesLinkCut: a local forward carries HTTP before and
// after sshd's connection processes are killed.
func TestLocalSurvivesLinkCut(t *testing.T) {
	t.Parallel()
	s, c := dialSSHD(t)
	srv := web(t)
	f, err := forward.Local(testkit.Ctx(t), c, "127.0.0.1:0", srv.Listener.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	closeF(t, f)
	mustGet(t, "http://"+f.Addr()+"/")
	s.KillConnections(t)
	<-c.Done()
	mustGet(t, "http://"+f.Addr()+"/")
}

// TestLocalPortInUse: a bind address already in use fails at once.
func TestLocalPortInUse(t *testing.T) {
	t.Parallel()
	_, c := dialSSHD(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := forward.Local(testkit.Ctx(t), c, ln.Addr().String(), "127.0.0.1:1", nil)
	if err == nil {
		f.Close()
		t.Fatal("Local on a port in use: no error")
	}
	if !strings.Contains(err.Error(), "address already in use") || !strings.HasPrefix(err.Error(), "vmconn: ") {
		t.Errorf("err = %v", err)
	}
}

// TestRemoteBackAfterReconnect: a remote forward is requested again on
// the new connection after the link is cut.
func TestRemoteBackAfterReconnect(t *testing.T) {
	t.Parallel()
	s, c := dialSSHD(t)
	srv := web(t)
	ups := make(chan forward.Event, 16)
	opts := &forward.Options{OnEvent: func(e forward.Event) {
		if e.Type == forward.EventUp {
			ups <- e
		}
	}}
	f, err := forward.Remote(testkit.Ctx(t), c, "127.0.0.1:0", srv.Listener.Addr().String(), opts)
	if err != nil {
		t.Fatal(err)
	}
	closeF(t, f)
	<-ups
	remoteGet := func() string {
		script := "exec 3<>/dev/tcp/" + strings.Replace(f.Addr(), ":", "/", 1) +
			"; printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3"
		out, err := c.Output(testkit.Ctx(t), "bash -c "+vmconn.ShellQuote(script))
		return fmt.Sprintf("%s %v", out, err)
	}
	if out := remoteGet(); !strings.Contains(out, "hello") {
		t.Fatalf("through -R before the cut: %q", out)
	}
	s.KillConnections(t)
	select {
	case <-ups:
	case <-time.After(30 * time.Second):
		t.Fatal("remote forward not back after 30s")
	}
	if out := remoteGet(); !strings.Contains(out, "hello") {
		t.Fatalf("through -R after the cut: %q", out)
	}
}

// TestRemoteRefused: a remote forward the server refuses is an error.
func TestRemoteRefused(t *testing.T) {
	t.Parallel()
	_, c := dialSSHD(t, "AllowTcpForwarding no")
	f, err := forward.Remote(testkit.Ctx(t), c, "127.0.0.1:0", "127.0.0.1:1", nil)
	if err == nil {
		f.Close()
		t.Fatal("refused -R: no error")
	}
	if !strings.HasPrefix(err.Error(), "vmconn: forward -R") {
		t.Errorf("err = %v", err)
	}
}

// socksConnect asks the SOCKS5 proxy at proxy for host:port by name and
// returns the reply code.
func socksConnect(t *testing.T, proxy, host string, port int) (net.Conn, byte) {
	conn, err := net.DialTimeout("tcp", proxy, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	req := []byte{5, 1, 0, 5, 1, 0, 3, byte(len(host))}
	req = append(append(req, host...), 0, 0)
	binary.BigEndian.PutUint16(req[len(req)-2:], uint16(port))
	if _, err := conn.Write(req); err != nil {
		t.Fatal(err)
	}
	reply := make([]byte, 2+10)
	if _, err := io.ReadFull(conn, reply); err != nil {
		t.Fatalf("SOCKS reply: %v", err)
	}
	return conn, reply[3]
}

// TestDynamicSOCKS: a dynamic forward reaches an HTTP server by name
// (resolved on the remote side) and answers an unresolvable name with a
// SOCKS error.
func TestDynamicSOCKS(t *testing.T) {
	t.Parallel()
	_, c := dialSSHD(t)
	srv := web(t)
	f, err := forward.Dynamic(testkit.Ctx(t), c, "127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	closeF(t, f)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	conn, code := socksConnect(t, f.Addr(), "localhost", port)
	if code != 0 {
		t.Fatalf("CONNECT localhost:%d: reply %d", port, code)
	}
	fmt.Fprintf(conn, "GET / HTTP/1.0\r\n\r\n")
	b, _ := io.ReadAll(conn)
	conn.Close()
	if !strings.Contains(string(b), "hello") {
		t.Errorf("through -D: %q", b)
	}
	conn, code = socksConnect(t, f.Addr(), "nosuchhost.invalid", 80)
	conn.Close()
	if code == 0 {
		t.Errorf("CONNECT nosuchhost.invalid: success")
	}
}
