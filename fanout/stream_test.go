package fanout_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/fanout"
	"github.com/vmconn/vmconn/internal/testkit"
)

// TestRunDialHook: Options.Dial connects to each host as the caller
// sees fit (here: aliases looked up in a table), and its errors are
// classified like vmconn.Dial's.
func TestRunDialHook(t *testing.T) {
	t.Parallel()
	addrs, cfg := testkit.Fleet(t, 3)
	table := map[string]string{"web": addrs[0], "db": addrs[1], "cache": addrs[2]}
	var dialled testkit.Buffer
	opts := &fanout.Options{Dial: func(ctx context.Context, host string) (*vmconn.Client, error) {
		fmt.Fprintln(&dialled, host)
		addr, ok := table[host]
		if !ok {
			return nil, fmt.Errorf("no such alias %q: %w", host, vmconn.ErrConfig)
		}
		return vmconn.Dial(ctx, addr, cfg)
	}}
	hosts := []string{"web", "db", "nowhere", "cache"}
	results := fanout.Run(testkit.Ctx(t), hosts, "echo $VMTEST_BOOT_ID", opts)
	for i, r := range results {
		switch {
		case r.Host != hosts[i]:
			t.Errorf("result %d is for %s", i, r.Host)
		case r.Host == "nowhere" && (r.Class != fanout.Error || !errors.Is(r.Err, vmconn.ErrConfig)):
			t.Errorf("unknown alias: %+v", r)
		case r.Host != "nowhere" && (r.Class != fanout.OK || len(r.Stdout) != 37):
			t.Errorf("%s: %+v", r.Host, r)
		}
	}
	if n := strings.Count(dialled.String(), "\n"); n != 4 {
		t.Errorf("Dial called %d times; want 4", n)
	}
}

// TestRunOnResultStreams: OnResult sees a fast host's result while a slow
// host still runs: the slow host's command waits for a file that only
// the fast host's OnResult creates.
func TestRunOnResultStreams(t *testing.T) {
	t.Parallel()
	srvs, cfg := fleet(t, 2)
	release := filepath.Join(t.TempDir(), "release")
	slow := srvs[1].BootID()
	cmd := fmt.Sprintf(`if [ "$VMTEST_BOOT_ID" = %s ]; then i=0; while [ ! -e %s ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done; [ -e %[2]s ]; fi`,
		slow, release)
	var order []string
	opts := &fanout.Options{Config: cfg, OnResult: func(r fanout.Result) {
		order = append(order, r.Host)
		if r.Host == srvs[0].Addr() {
			if err := os.WriteFile(release, nil, 0o600); err != nil {
				t.Error(err)
			}
		}
	}}
	results := fanout.Run(testkit.Ctx(t), []string{srvs[1].Addr(), srvs[0].Addr()}, cmd, opts)
	if fmt.Sprint(order) != fmt.Sprint([]string{srvs[0].Addr(), srvs[1].Addr()}) {
		t.Errorf("OnResult order %v; want the fast host first", order)
	}
	for _, r := range results {
		if r.Class != fanout.OK || r.Duration <= 0 {
			t.Errorf("%s: %+v", r.Host, r)
		}
	}
}
