package vmconn_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/faultproxy"
	"github.com/vmconn/vmconn/internal/sshdtest"
	"golang.org/x/crypto/ssh"
)

// sshdJobConfig returns a config that logs in to the real sshd s,
// through proxy p when p is not nil.
func sshdJobConfig(s *sshdtest.Server, p *faultproxy.Proxy) *vmconn.Config {
	cfg := &vmconn.Config{
		User:                s.User,
		IdentityFiles:       []string{s.ClientKeyFile},
		KnownHostsFiles:     []string{s.KnownHostsFile},
		NoAgent:             true,
		ReconnectBackoff:    5 * time.Millisecond,
		ReconnectMaxBackoff: 100 * time.Millisecond,
	}
	if p != nil {
		cfg.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, p.Addr())
		}
	}
	return cfg
}

func dialJobSSHD(t *testing.T, s *sshdtest.Server, cfg *vmconn.Config) *vmconn.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := vmconn.Dial(ctx, s.Addr, cfg)
	if err != nil {
		t.Fatalf("Dial %s: %v", s.Addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestJobSSHDRestart: with OpenSSH's sshd, the job survives an sshd
// restart that kills every connection, and Follow resumes exactly.
func TestJobSSHDRestart(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	c := dialJobSSHD(t, s, sshdJobConfig(s, nil))
	fj := faultJob{lines: 600, every: 20}
	j := startJob(t, c, fj.command(), jobOpts(t))
	midway := make(chan struct{})
	out := &jobBuf{when: "line 000100\n", do: func() { close(midway) }}
	var errOut jobBuf
	done := make(chan error, 1)
	go func() { done <- j.Follow(testCtx(t), out, &errOut) }()
	select {
	case <-midway:
		s.Restart(t)
		s.KillConnections(t)
	case err := <-done:
		t.Fatalf("Follow ended before the restart: %v", err)
	}
	err := <-done
	wantOut, wantErr := fj.want()
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Status != 7 || !bytes.Equal(out.Bytes(), wantOut) || !bytes.Equal(errOut.Bytes(), wantErr) {
		t.Errorf("Follow = %v; stdout %d bytes (want %d), stderr %d (want %d)",
			err, len(out.Bytes()), len(wantOut), len(errOut.Bytes()), len(wantErr))
	}
}

// TestJobSSHDLinkCuts: random link cuts between vmconn and OpenSSH's
// sshd; every run delivers the exact bytes.
func TestJobSSHDLinkCuts(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	runs := 8
	if testing.Short() {
		runs = 4
	}
	fj := faultJob{lines: 1500, every: 50}
	wantOut, wantErr := fj.want()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	for run := range runs {
		t.Run(fmt.Sprint(run), func(t *testing.T) {
			p, err := faultproxy.New(s.Addr)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(p.Close)
			c := dialJobSSHD(t, s, sshdJobConfig(s, p))
			j := startJob(t, c, fj.command(), jobOpts(t))
			if run%3 == 2 { // all of it read after the end, under cuts too
				waitJobFile(t, j.Dir, "exit")
			}
			stop := jobLinkCutter(p, rand.New(rand.NewPCG(seed, uint64(run))))
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			var out, errOut jobBuf
			err = j.Follow(ctx, &out, &errOut)
			stop()
			accepted, cuts := p.Stats()
			var ee *vmconn.ExitError
			if !errors.As(err, &ee) || ee.Status != 7 || !bytes.Equal(out.Bytes(), wantOut) || !bytes.Equal(errOut.Bytes(), wantErr) {
				t.Errorf("after %d cuts: Follow = %v; stdout %d bytes (want %d, first difference at %d), stderr %d (want %d)",
					cuts, err, len(out.Bytes()), len(wantOut), jobFirstDiff(out.Bytes(), wantOut), len(errOut.Bytes()), len(wantErr))
			}
			t.Logf("%d connections, %d cut", accepted, cuts)
		})
	}
}

// TestJobSSHDAttachKill: a job started by one client is found by a fresh
// client, killed with its whole process group, and its status read.
func TestJobSSHDAttachKill(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	opts := jobOpts(t)
	c1 := dialJobSSHD(t, s, sshdJobConfig(s, nil))
	j := startJob(t, c1, "echo started; sleep 300 & wait", opts)
	c1.Close()
	c2 := dialJobSSHD(t, s, sshdJobConfig(s, nil))
	j2, err := c2.AttachJob(testCtx(t), j.ID, opts)
	if err != nil {
		t.Fatal(err)
	}
	out := &jobBuf{}
	out.when, out.do = "started\n", func() {
		go func() {
			if err := j2.Kill(testCtx(t), ssh.SIGKILL); err != nil {
				t.Errorf("Kill: %v", err)
			}
		}()
	}
	err = j2.Follow(testCtx(t), out, nil)
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Status != 137 || out.String() != "started\n" {
		t.Errorf("Follow = %v, %q; want status 137", err, out.String())
	}
	if jobs, err := c2.Jobs(testCtx(t), opts); err != nil || len(jobs) != 1 || jobs[0].State != vmconn.JobExited {
		t.Errorf("Jobs = %+v, %v", jobs, err)
	}
}
