package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/job"
)

func (d *demo) job(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "vmconn-demo-jobs-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	j, err := job.Start(ctx, d.client, `for i in 1 2 3 4 5 6; do echo "line $i"; sleep 0.15; done; exit 3`, &job.Options{Dir: dir})
	if err != nil {
		return err
	}
	defer j.Cleanup(context.WithoutCancel(ctx))
	d.say("job %s started (detached: setsid, output and exit code in a private directory)", j.ID)
	start := time.Now()
	var got strings.Builder
	lines := vmconn.NewLines(func(_ vmconn.Stream, line []byte) {
		fmt.Fprintf(&got, "%s\n", line)
		d.say("+%4dms  %s", time.Since(start).Milliseconds(), line)
		if string(line) == "line 2" {
			d.say("        -- dropping every connection --")
			go d.srv.DropConnections()
		}
	})
	err = j.Follow(ctx, lines.Stdout(), lines.Stderr())
	lines.Close()
	stdout, _ := j.Offsets()
	d.say("Follow returned %v after %d bytes; the lines arrived once each, in order: %v",
		err, stdout, got.String() == "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\n")
	return nil
}
