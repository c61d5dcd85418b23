package job_test

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/faultproxy"
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/job"
)

// faultJob is a job that prints numbered lines, every byte value, lines
// on stderr, pauses now and then, and ends without a newline and with
// status 7; want returns its exact output.
type faultJob struct {
	lines, every int
	pause        time.Duration // 0: 20 ms
}

func (fj faultJob) command() string {
	var bin bytes.Buffer
	for b := range 256 {
		fmt.Fprintf(&bin, `\%03o`, b)
	}
	return fmt.Sprintf(`i=0
while [ $i -lt %d ]; do
  i=$((i + 1))
  printf 'line %%06d\n' $i
  if [ $((i %% %d)) -eq 0 ]; then printf %s; echo "err $i" >&2; sleep %.3f; fi
done
printf 'end without newline'
exit 7`, fj.lines, fj.every, vmconn.ShellQuote(bin.String()), cmp.Or(fj.pause, 20*time.Millisecond).Seconds())
}

func (fj faultJob) want() (stdout, stderr []byte) {
	var out, errOut bytes.Buffer
	for i := 1; i <= fj.lines; i++ {
		fmt.Fprintf(&out, "line %06d\n", i)
		if i%fj.every == 0 {
			for b := range 256 {
				out.WriteByte(byte(b))
			}
			fmt.Fprintf(&errOut, "err %d\n", i)
		}
	}
	out.WriteString("end without newline")
	return out.Bytes(), errOut.Bytes()
}

// jobLinkCutter cuts the proxy's connections at once and then at random
// moments until stop is called: at random byte counts (mid-packet,
// mid-handshake), at random times, and now and then it refuses
// connections for a while. The times between cuts are 30-250 ms, or
// from half to four times resume if that is longer: resume is how long
// a reconnection and a command or two take on this machine, measured by
// the test (a busy machine under -race can take longer than 250 ms, and
// a link that never lives long enough to resume proves nothing).
func jobLinkCutter(p *faultproxy.Proxy, rng *rand.Rand, resume time.Duration) (stop func()) {
	lo, hi := max(30*time.Millisecond, resume/2), max(250*time.Millisecond, 4*resume)
	var mu sync.Mutex
	randN := func(lo, hi int64) int64 {
		mu.Lock()
		defer mu.Unlock()
		return lo + rng.Int64N(hi-lo)
	}
	p.CutAfter(func() int64 { return randN(6<<10, 96<<10) })
	p.Cut() // the connection made before had no budget
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Duration(randN(int64(lo), int64(hi)))):
			}
			if randN(0, 4) == 0 {
				p.Refuse(true)
				time.Sleep(time.Duration(randN(20, 120)) * time.Millisecond)
				p.Refuse(false)
			}
			p.Cut()
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		p.CutAfter(nil)
		p.Refuse(false)
	}
}

// jobResumeTime measures what a Follow's resume costs on this machine
// at most, for the link cutter's pace: a new connection (from dial), a
// boot id read and a job's status (the longest of three tries).
func jobResumeTime(t *testing.T, dial func() *vmconn.Client) time.Duration {
	c := dial()
	j := testkit.StartJob(t, c, "true", testkit.JobOptions(t))
	var longest time.Duration
	for range 3 {
		start := time.Now()
		c2 := dial()
		if _, err := c2.BootID(testkit.Ctx(t)); err != nil {
			t.Fatal(err)
		}
		if _, err := job.HandleAt(c2, j.Dir, j.BootID).Status(testkit.Ctx(t)); err != nil {
			t.Fatal(err)
		}
		longest = max(longest, time.Since(start))
		c2.Close()
	}
	return longest
}

// TestJobLinkCutsExactBytes: over many runs, the link under a job's
// follow is cut at random moments (a fault proxy between client and
// server); every run, the bytes received equal the bytes the job wrote,
// exactly, and the exit status arrives. Every third run follows only
// once the job has ended: all of its output is then read after the end.
// The cuts come at the pace of a resume measured in each run (under
// -race beside other packages' tests, a resume took longer than the
// 30-250 ms between cuts, and a run starved: 121 cuts, no byte through).
func TestJobLinkCutsExactBytes(t *testing.T) {
	t.Parallel()
	runs := 30
	if testing.Short() {
		runs = 20
	}
	fj := faultJob{lines: 1500, every: 50}
	wantOut, wantErr := fj.want()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	for run := range runs {
		t.Run(fmt.Sprint(run), func(t *testing.T) {
			t.Parallel()
			srv := testkit.Server(t)
			cfg, p := testkit.Proxied(t, srv)
			c := testkit.Dial(t, srv, cfg)
			j := testkit.StartJob(t, c, fj.command(), testkit.JobOptions(t))
			if run%3 == 2 { // all of it read after the end, under cuts too
				testkit.WaitJobFile(t, j.Dir, "exit")
			}
			resume := jobResumeTime(t, func() *vmconn.Client { return testkit.Dial(t, srv, testkit.Config(srv)) })
			stop := jobLinkCutter(p, rand.New(rand.NewPCG(seed, uint64(run))), resume)
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			var out, errOut testkit.NotifyBuffer
			err := j.Follow(ctx, &out, &errOut)
			stop()
			var ee *vmconn.ExitError
			if !errors.As(err, &ee) || ee.Status != 7 {
				t.Errorf("Follow = %v; want status 7", err)
			}
			accepted, cuts := p.Stats()
			if !bytes.Equal(out.Bytes(), wantOut) || !bytes.Equal(errOut.Bytes(), wantErr) {
				t.Errorf("after %d cuts: stdout %d bytes (want %d, first difference at %d), stderr %d (want %d)",
					cuts, len(out.Bytes()), len(wantOut), jobFirstDiff(out.Bytes(), wantOut), len(errOut.Bytes()), len(wantErr))
			}
			if cuts == 0 {
				t.Errorf("the link was never cut (%d connections)", accepted)
			}
			t.Logf("%d connections, %d cut", accepted, cuts)
		})
	}
}

// jobFirstDiff returns the index of the first byte where a and b differ.
func jobFirstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
