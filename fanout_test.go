package vmconn_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/vmtest"
)

// fleet starts n vmtest servers that all accept one client key and whose
// host keys are all in one known_hosts file.
func fleet(t *testing.T, n int) (addrs []string, cfg *vmconn.Config) {
	t.Helper()
	first := newServer(t)
	cfg = testConfig(first)
	var known bytes.Buffer
	for i := range n {
		srv := first
		if i > 0 {
			srv = newServer(t)
			srv.AddAuthorizedKey(first.ClientSigner().PublicKey())
		}
		data, _ := readFile(srv.KnownHostsFile())
		known.Write(data)
		addrs = append(addrs, srv.Addr())
	}
	file := t.TempDir() + "/known_hosts"
	if err := writeFileData(file, known.Bytes()); err != nil {
		t.Fatal(err)
	}
	cfg.KnownHostsFiles = []string{file}
	return addrs, cfg
}

// TestFanOut: 100 hosts, one refusing connections and one that accepts
// TCP but never answers (bounded by the connect timeout): every good host
// succeeds and the bad ones are classified.
func TestFanOut(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	addrs, cfg := fleet(t, 98)
	refused, hanging := closedPort(t), tarpit(t, nil)
	hosts := append(append([]string{}, addrs[:50]...), refused, hanging)
	hosts = append(hosts, addrs[50:]...)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg.ConnectTimeout = time.Second // the hanging host's bound
	f := &vmconn.FanOut{Config: cfg, Parallel: 16}
	results := f.RunAll(ctx, hosts, "echo $VMTEST_BOOT_ID")
	classes := map[string]int{}
	for i, r := range results {
		if r.Host != hosts[i] {
			t.Fatalf("result %d is for %s, want %s", i, r.Host, hosts[i])
		}
		classes[r.Class]++
		switch r.Host {
		case refused:
			if r.Class != vmconn.ClassUnreachable || !errors.Is(r.Err, vmconn.ErrUnreachable) {
				t.Errorf("refused host: %+v", r)
			}
		case hanging:
			if r.Class != vmconn.ClassUnreachable || !errors.Is(r.Err, vmconn.ErrTimeout) {
				t.Errorf("hanging host: %+v", r)
			}
		default:
			if r.Class != vmconn.ClassOK || len(r.Stdout) != 37 || r.ExitStatus != 0 {
				t.Errorf("host %s: %+v (stdout %q)", r.Host, r, r.Stdout)
			}
		}
	}
	if classes[vmconn.ClassOK] != 98 || classes[vmconn.ClassUnreachable] != 2 {
		t.Errorf("classes %v", classes)
	}
}

func TestFanOutStreamsWithPrefix(t *testing.T) {
	addrs, cfg := fleet(t, 3)
	var out lockedWriter
	f := &vmconn.FanOut{Config: cfg, Stdout: &out, Stderr: &out}
	results := f.RunAll(testCtx(t), addrs, "echo one; echo two >&2; exit 2")
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
		if r.Class != vmconn.ClassFailed || r.ExitStatus != 2 || r.Stdout != nil {
			t.Errorf("%+v", r)
		}
	}
}

func TestFanOutCancelled(t *testing.T) {
	addrs, cfg := fleet(t, 4)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, r := range (&vmconn.FanOut{Config: cfg, Parallel: 1}).RunAll(ctx, addrs, "true") {
		if r.Class != vmconn.ClassError || !errors.Is(r.Err, context.Canceled) {
			t.Errorf("%+v", r)
		}
	}
}

type lockedWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

var _ = vmtest.NewServer
