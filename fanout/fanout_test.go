package fanout_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/fanout"
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/vmtest"
	"golang.org/x/crypto/ssh"
)

// TestRun: 100 hosts, one refusing connections and one that accepts
// TCP but never answers (bounded by the connect timeout): every good host
// succeeds and the bad ones are classified.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	// Not parallel: 100 handshakes under -race on a loaded machine need
	// the CPU to themselves to stay under the connect timeout.
	addrs, cfg := testkit.Fleet(t, 98)
	refused, hanging := loopback(testkit.ClosedPort(t)), loopback(testkit.Tarpit(t, "tcp", "127.0.0.1:0"))
	hosts := append(append([]string{}, addrs[:50]...), refused, hanging)
	hosts = append(hosts, addrs[50:]...)
	cfg.ConnectTimeout = 3 * time.Second // the hanging host's bound
	results := fanout.Run(testkit.Ctx(t), hosts, "echo $VMTEST_BOOT_ID", &fanout.Options{Config: cfg, Parallel: 16})
	classes := map[fanout.Class]int{}
	for i, r := range results {
		if r.Host != hosts[i] {
			t.Fatalf("result %d is for %s, want %s", i, r.Host, hosts[i])
		}
		classes[r.Class]++
		switch r.Host {
		case refused:
			if r.Class != fanout.Unreachable || !errors.Is(r.Err, vmconn.ErrUnreachable) {
				t.Errorf("refused host: %+v", r)
			}
		case hanging:
			if r.Class != fanout.Unreachable || !errors.Is(r.Err, vmconn.ErrTimeout) {
				t.Errorf("hanging host: %+v", r)
			}
		default:
			if r.Class != fanout.OK || len(r.Stdout) != 37 || r.ExitStatus != 0 {
				t.Errorf("host %s: %+v (stdout %q)", r.Host, r, r.Stdout)
			}
		}
	}
	if classes[fanout.OK] != 98 || classes[fanout.Unreachable] != 2 {
		t.Errorf("classes %v", classes)
	}
}

func TestRunStreamsWithPrefix(t *testing.T) {
	t.Parallel()
	addrs, cfg := testkit.Fleet(t, 3)
	var out testkit.Buffer
	opts := &fanout.Options{Config: cfg, Stdout: &out, Stderr: &out}
	results := fanout.Run(testkit.Ctx(t), addrs, "echo one; echo two >&2; exit 2", opts)
	var want []string
	for _, a := range addrs {
		want = append(want, a+": one", a+": two")
	}
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	sort.Strings(got)
	sort.Strings(want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("output %q; want %q", got, want)
	}
	for _, r := range results {
		if r.Class != fanout.Failed || r.ExitStatus != 2 || r.Stdout != nil {
			t.Errorf("%+v", r)
		}
	}
}

// TestRunOutputPerHost: Options.Output gets each run's own writers, by
// its index (a host given twice is two runs), and the output is not
// collected as well; each Result says its index.
func TestRunOutputPerHost(t *testing.T) {
	t.Parallel()
	addrs, cfg := testkit.Fleet(t, 2)
	hosts := []string{addrs[0], addrs[1], addrs[0]}
	outs := make([]*testkit.Buffer, len(hosts))
	for i := range outs {
		outs[i] = &testkit.Buffer{}
	}
	opts := &fanout.Options{Config: cfg, Output: func(i int, host string) (io.Writer, io.Writer) {
		if host != hosts[i] {
			t.Errorf("Output(%d, %q): hosts[%d] is %q", i, host, i, hosts[i])
		}
		return outs[i], nil
	}}
	for i, r := range fanout.Run(testkit.Ctx(t), hosts, "echo $VMTEST_BOOT_ID; echo err >&2", opts) {
		if r.Class != fanout.OK || r.Index != i || r.Stdout != nil || r.Stderr != nil || len(outs[i].String()) != 37 {
			t.Errorf("%d %s: %+v, its writer got %q", i, r.Host, r, outs[i].String())
		}
	}
	if outs[0].String() == outs[1].String() || outs[0].String() != outs[2].String() {
		t.Errorf("outputs %q, %q, %q: want the two runs on one host alike, the other apart", outs[0], outs[1], outs[2])
	}
}

func TestRunCancelled(t *testing.T) {
	t.Parallel()
	addrs, cfg := testkit.Fleet(t, 4)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, r := range fanout.Run(ctx, addrs, "true", &fanout.Options{Config: cfg, Parallel: 1}) {
		if r.Class != fanout.Error || !errors.Is(r.Err, context.Canceled) {
			t.Errorf("%+v", r)
		}
	}
}

// TestRunDuration: every host's Duration is measured, failed dials too.
func TestRunDuration(t *testing.T) {
	t.Parallel()
	addrs, cfg := testkit.Fleet(t, 2)
	for _, r := range fanout.Run(testkit.Ctx(t), append(addrs, loopback(testkit.ClosedPort(t))), "true", &fanout.Options{Config: cfg}) {
		if r.Duration <= 0 {
			t.Errorf("%s: Duration %v (class %s)", r.Host, r.Duration, r.Class)
		}
	}
}

// TestRunDeadlineLikeCancel: the caller's deadline and the caller's
// cancel give a host still running the same class and no exit status.
func TestRunDeadlineLikeCancel(t *testing.T) {
	t.Parallel()
	srv := testkit.Server(t)
	opts := &fanout.Options{Config: testkit.Config(srv)}
	dctx, dcancel := context.WithTimeout(testkit.Ctx(t), 500*time.Millisecond)
	defer dcancel()
	byDeadline := fanout.Run(dctx, []string{srv.Addr()}, "sleep 30", opts)[0]
	cctx, ccancel := context.WithCancel(testkit.Ctx(t))
	stop := time.AfterFunc(500*time.Millisecond, ccancel)
	defer stop.Stop()
	byCancel := fanout.Run(cctx, []string{srv.Addr()}, "sleep 30", opts)[0]
	for _, r := range []fanout.Result{byDeadline, byCancel} {
		if r.Class != fanout.Error || r.ExitStatus != -1 {
			t.Errorf("%v: class %s, exit status %d; want %s, -1", r.Err, r.Class, r.ExitStatus, fanout.Error)
		}
	}
}

// TestRunAuth: a key the host refuses, a host key not known and a host
// key revoked in known_hosts are all class Auth.
func TestRunAuth(t *testing.T) {
	t.Parallel()
	srv := testkit.Server(t)
	revoked := filepath.Join(t.TempDir(), "known_hosts")
	line := "@revoked * " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(srv.HostKey()))) + "\n"
	if err := os.WriteFile(revoked, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	wrongKey := testkit.Config(srv)
	wrongKey.Signers, wrongKey.IdentityFiles = nil, []string{filepath.Join(t.TempDir(), "id")}
	testkit.WriteKeyFile(t, wrongKey.IdentityFiles[0])
	unknown, revokedCfg := testkit.Config(srv), testkit.Config(srv)
	unknown.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "empty")}
	revokedCfg.KnownHostsFiles = []string{revoked}
	for name, cfg := range map[string]*vmconn.Config{"wrong key": wrongKey, "unknown host key": unknown, "revoked host key": revokedCfg} {
		r := fanout.Run(testkit.Ctx(t), []string{srv.Addr()}, "true", &fanout.Options{Config: cfg})[0]
		if r.Class != fanout.Auth {
			t.Errorf("%s: class %s (%v); want %s", name, r.Class, r.Err, fanout.Auth)
		}
	}
}

// loopback returns the address of port on 127.0.0.1.
func loopback(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// fleet starts n vmtest servers that accept one client key, and returns
// them with a Config that logs in to each (host keys in one file) and
// reconnects quickly.
func fleet(t *testing.T, n int) ([]*vmtest.Server, *vmconn.Config) {
	t.Helper()
	var srvs []*vmtest.Server
	var known []byte
	for i := range n {
		srv := testkit.Server(t)
		if i > 0 {
			srv.AddAuthorizedKey(srvs[0].ClientSigner().PublicKey())
		}
		data, err := os.ReadFile(srv.KnownHostsFile())
		if err != nil {
			t.Fatal(err)
		}
		known = append(known, data...)
		srvs = append(srvs, srv)
	}
	cfg := testkit.Config(srvs[0])
	cfg.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "known_hosts")}
	if err := os.WriteFile(cfg.KnownHostsFiles[0], known, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.ReconnectBackoff, cfg.ReconnectMaxBackoff = 5*time.Millisecond, 50*time.Millisecond
	return srvs, cfg
}
