package job_test

import (
	"bytes"
	"testing"

	"github.com/vmconn/vmconn/internal/sshdtest"
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/job"
)

// TestJobLoginShells: under every login shell of the user, a job's
// command keeps its backslashes and its Env values byte for byte.
func TestJobLoginShells(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"sh", "bash", "dash", "zsh", "mksh", "fish", "tcsh"} {
		t.Run(shell, func(t *testing.T) {
			t.Parallel()
			s := sshdtest.Start(t, sshdtest.Options{PasswordUser: true, LoginShell: shell, HostKeyTypes: []string{"ed25519"}})
			c := testkit.DialSSHD(t, s, nil)
			j, err := job.Start(testkit.Ctx(t), c, `printf '%s|%s|' 'x\\y' "$JV"`, &job.Options{Env: []string{`JV=p\\q 'it'`}})
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			var stdout, stderr bytes.Buffer
			if err := j.Follow(testkit.Ctx(t), &stdout, &stderr); err != nil || stdout.String() != `x\\y|p\\q 'it'|` || stderr.Len() != 0 {
				t.Errorf("job: %v, stdout %q, stderr %q", err, stdout.String(), stderr.String())
			}
			if err := j.Cleanup(testkit.Ctx(t)); err != nil {
				t.Errorf("Cleanup: %v", err)
			}
		})
	}
}
