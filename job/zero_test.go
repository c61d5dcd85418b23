package job_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/job"
)

// TestZeroClient: every job call on a Client not made by Dial fails at
// once with ErrConfig; none hangs or panics.
func TestZeroClient(t *testing.T) {
	t.Parallel()
	ignore := func(_ any, err error) error { return err }
	for name, call := range map[string]func(context.Context, *vmconn.Client) error{
		"Start":  func(ctx context.Context, c *vmconn.Client) error { return ignore(job.Start(ctx, c, "true", nil)) },
		"Attach": func(ctx context.Context, c *vmconn.Client) error { return ignore(job.Attach(ctx, c, "job-1", nil)) },
		"List":   func(ctx context.Context, c *vmconn.Client) error { return ignore(job.List(ctx, c, nil)) },
		"Prune":  func(ctx context.Context, c *vmconn.Client) error { return ignore(job.Prune(ctx, c, time.Hour, nil)) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var c vmconn.Client
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := call(ctx, &c); !errors.Is(err, vmconn.ErrConfig) || ctx.Err() != nil {
				t.Errorf("err = %v (context: %v); want ErrConfig at once", err, ctx.Err())
			}
		})
	}
}
