package job_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/job"
)

// BenchmarkJobLatency measures delivery latency, from the job writing a
// line to Follow's writer receiving it, for a job printing a timestamped
// line every 50 ms; beside it, a baseline that polls the log once a
// second. One iteration is one line; p50_ms and p99_ms are reported.
// (vmtest runs the job on this machine: both ends share a clock.)
func BenchmarkJobLatency(b *testing.B) {
	srv := testkit.Server(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	c, err := vmconn.Dial(ctx, srv.Addr(), testkit.Config(srv))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for _, mode := range []string{"follow", "poll-1s"} {
		b.Run(mode, func(b *testing.B) {
			j, err := job.Start(ctx, c, "while :; do date +%s%N; sleep 0.05; done", &job.Options{Dir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			defer func() { j.Kill(ctx, "KILL"); j.Follow(ctx, nil, nil) }()
			lat := &latencies{want: b.N, done: make(chan struct{}), since: time.Now().UnixNano()}
			fctx, stop := context.WithCancel(ctx)
			var wg sync.WaitGroup
			wg.Go(func() {
				if mode == "follow" {
					j.Follow(fctx, lat, nil)
				} else {
					pollLog(fctx, c, filepath.Join(j.Dir, "stdout"), lat)
				}
			})
			b.ResetTimer()
			<-lat.done
			b.StopTimer()
			stop()
			wg.Wait()
			p50, p99 := lat.percentiles()
			b.ReportMetric(p50, "p50_ms")
			b.ReportMetric(p99, "p99_ms")
		})
	}
}

// pollLog is the baseline: read the log's new bytes once a second.
func pollLog(ctx context.Context, c *vmconn.Client, file string, w *latencies) {
	var off int64
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		out, err := c.Output(ctx, fmt.Sprintf("tail -c +%d %s", off+1, vmconn.ShellQuote(file)))
		if err == nil {
			w.Write(out)
			off += int64(len(out))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// latencies parses "UNIXNANOS\n" lines and records now minus each, for
// lines written since it was made (not the backlog of lines written
// before following began).
type latencies struct {
	mu    sync.Mutex
	buf   []byte
	ms    []float64
	want  int
	since int64
	done  chan struct{}
}

func (l *latencies) Write(p []byte) (int, error) {
	now := time.Now().UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		if ts, err := strconv.ParseInt(string(l.buf[:i]), 10, 64); err == nil && ts >= l.since && len(l.ms) < l.want {
			l.ms = append(l.ms, float64(now-ts)/1e6)
			if len(l.ms) == l.want {
				close(l.done)
			}
		}
		l.buf = l.buf[i+1:]
	}
}

func (l *latencies) percentiles() (p50, p99 float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := slices.Clone(l.ms)
	slices.Sort(s)
	if len(s) == 0 {
		return 0, 0
	}
	return s[len(s)/2], s[min(len(s)-1, len(s)*99/100)]
}
