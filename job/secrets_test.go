package job_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/testkit"
)

// TestJobSecretsOffCommandLines: a job's Env values reach it, but no
// process's command line, for the job's whole life.
func TestJobSecretsOffCommandLines(t *testing.T) {
	t.Parallel()
	c := testkit.Dial(t, testkit.Server(t), nil)
	const secret = "S3cr3t-job-env-9d2e"
	opts := testkit.JobOptions(t)
	opts.Env = []string{"API_TOKEN=" + secret}
	ctx := testkit.Ctx(t)
	j := testkit.StartJob(t, c, `[ ${#API_TOKEN} -eq 19 ] && echo has-it; sleep 30`, opts)
	fctx, seen := context.WithTimeout(ctx, 20*time.Second)
	defer seen()
	_ = j.Follow(fctx, &testkit.NotifyBuffer{When: "has-it", Do: seen}, nil)
	if !errors.Is(fctx.Err(), context.Canceled) {
		t.Fatal("the job did not see its Env value")
	}
	testkit.ScanCmdlines(t, secret)
}
