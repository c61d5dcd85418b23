package job_test

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
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/job"
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

// TestJobSSHDRestart: with OpenSSH's sshd, the job survives an sshd
// restart that kills every connection, and Follow resumes exactly.
func TestJobSSHDRestart(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{})
	c := testkit.DialSSHD(t, s, sshdJobConfig(s, nil))
	fj := faultJob{lines: 600, every: 20}
	j := testkit.StartJob(t, c, fj.command(), testkit.JobOptions(t))
	midway := make(chan struct{})
	out := &testkit.NotifyBuffer{When: "line 000100\n", Do: func() { close(midway) }}
	var errOut testkit.NotifyBuffer
	done := make(chan error, 1)
	go func() { done <- j.Follow(testkit.Ctx(t), out, &errOut) }()
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
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{})
	runs := 8
	if testing.Short() {
		runs = 4
	}
	seed := uint64(time.Now().UnixNano())
	resume := jobResumeTime(t, func() *vmconn.Client { return testkit.DialSSHD(t, s, sshdJobConfig(s, nil)) })
	t.Logf("seed %d; a resume takes about %v here", seed, resume)
	fj := faultJob{lines: 1500, every: 50, pause: min(resume*2/3, 300*time.Millisecond)} // some 20 resumes: a dozen cuts
	wantOut, wantErr := fj.want()
	for run := range runs {
		t.Run(fmt.Sprint(run), func(t *testing.T) {
			p, err := faultproxy.New(s.Addr)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(p.Close)
			c := testkit.DialSSHD(t, s, sshdJobConfig(s, p))
			j := testkit.StartJob(t, c, fj.command(), testkit.JobOptions(t))
			if run%3 == 2 { // all of it read after the end, under cuts too
				testkit.WaitJobFile(t, j.Dir, "exit")
			}
			stop := jobLinkCutter(p, rand.New(rand.NewPCG(seed, uint64(run))), resume)
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			var out, errOut testkit.NotifyBuffer
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
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{})
	opts := testkit.JobOptions(t)
	c1 := testkit.DialSSHD(t, s, sshdJobConfig(s, nil))
	j := testkit.StartJob(t, c1, "echo started; sleep 300 & wait", opts)
	c1.Close()
	c2 := testkit.DialSSHD(t, s, sshdJobConfig(s, nil))
	j2, err := job.Attach(testkit.Ctx(t), c2, j.ID, opts)
	if err != nil {
		t.Fatal(err)
	}
	out := &testkit.NotifyBuffer{}
	out.When, out.Do = "started\n", func() {
		go func() {
			if err := j2.Kill(testkit.Ctx(t), ssh.SIGKILL); err != nil {
				t.Errorf("Kill: %v", err)
			}
		}()
	}
	err = j2.Follow(testkit.Ctx(t), out, nil)
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Status != 137 || out.String() != "started\n" {
		t.Errorf("Follow = %v, %q; want status 137", err, out.String())
	}
	if jobs, err := job.List(testkit.Ctx(t), c2, opts); err != nil || len(jobs) != 1 || jobs[0].State != job.Exited {
		t.Errorf("List = %+v, %v", jobs, err)
	}
}
