package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/bench/internal/stats"
	"github.com/vmconn/vmconn/job"
)

// Job delivery: one job writes its clock (date +%s%N) every 50 ms; each
// line's latency is the time it reached the client minus the time it
// carries (client and "remote" share the clock: both are this machine).
// Two readers deliver the same lines at once: Job.Follow, and a loop that
// polls the job's stdout file every second ("tail -c +OFFSET") over a
// second connection, as a script without a streaming follower would.
const (
	jobLines    = 200
	jobInterval = "0.05"
	jobPoll     = time.Second
)

func (b *bench) jobs(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	c, err := vmconn.Dial(ctx, b.main.Addr(), b.vmconnConfig())
	if err != nil {
		return err
	}
	defer c.Close()
	poller, err := vmconn.Dial(ctx, b.main.Addr(), b.vmconnConfig())
	if err != nil {
		return err
	}
	defer poller.Close()
	// The first line comes a second after the start: both readers are
	// attached by then.
	script := fmt.Sprintf("sleep 1; i=0; while [ $i -lt %d ]; do date +%%s%%N; sleep %s; i=$((i+1)); done", jobLines, jobInterval)
	j, err := job.Start(ctx, c, script, &job.Options{Dir: filepath.Join(b.farm.Dir, "jobs")})
	if err != nil {
		return err
	}
	defer func() { _ = j.Cleanup(context.Background()) }()
	follow, poll := &latencies{}, &latencies{}
	done := make(chan struct{})
	var pollErr error
	var wg sync.WaitGroup
	wg.Go(func() { pollErr = pollJob(ctx, poller, filepath.Join(j.Dir, "stdout"), poll, done) })
	err = j.Follow(ctx, follow, io.Discard)
	close(done)
	wg.Wait()
	b.res.Jobs = []Dist{
		follow.dist("vmconn Job.Follow", "streams the job's log as it is written (tail -f)", err),
		poll.dist("1-second polling loop", "every 1s: `tail -c +OFFSET stdout` over a kept vmconn connection", pollErr),
	}
	return nil
}

// pollJob polls file every jobPoll until done is closed, then once more.
func pollJob(ctx context.Context, c *vmconn.Client, file string, l *latencies, done <-chan struct{}) error {
	var offset int64
	for last := false; !last; {
		select {
		case <-done:
			last = true
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(jobPoll):
		}
		out, err := c.Output(ctx, "tail -c +"+strconv.FormatInt(offset+1, 10)+" "+vmconn.ShellQuote(file))
		if err != nil {
			return err
		}
		_, _ = l.Write(out)
		offset += int64(len(out))
	}
	return nil
}

// latencies is an io.Writer of timestamp lines that records, for each
// complete line, now minus the time it holds.
type latencies struct {
	mu      sync.Mutex
	partial []byte
	samples []time.Duration
	bad     int
}

func (l *latencies) Write(p []byte) (int, error) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		ns, err := strconv.ParseInt(string(l.partial[:i]), 10, 64)
		if err != nil {
			l.bad++
		} else {
			l.samples = append(l.samples, now.Sub(time.Unix(0, ns)))
		}
		l.partial = l.partial[i+1:]
	}
}

func (l *latencies) dist(name, note string, err error) Dist {
	l.mu.Lock()
	defer l.mu.Unlock()
	d := Dist{Client: name, Note: note, Dist: stats.Of(l.samples)}
	switch {
	case err != nil:
		d.Err = err.Error()
	case len(l.samples) != jobLines || l.bad > 0:
		d.Err = fmt.Sprintf("%d lines delivered (%d unparsable), want %d", len(l.samples), l.bad, jobLines)
	}
	return d
}
