package job_test

import (
	"bytes"
	"os/user"
	"testing"

	"github.com/vmconn/vmconn/internal/sshdtest"
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/job"
)

// TestSSHDMaxSessions1Jobs: against a real sshd with "MaxSessions 1" (a
// finished session is freed only after the next channel open is read),
// as root and as an unprivileged user, starting, following and listing
// jobs, each a few sessions in a row.
func TestSSHDMaxSessions1Jobs(t *testing.T) {
	t.Parallel()
	sshdtest.RequireRoot(t, "a root login and an unprivileged user")
	for _, name := range []string{"root", "user"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := sshdtest.Start(t, sshdtest.Options{MaxSessions: 1, PasswordUser: name == "user",
				HostKeyTypes: []string{"ed25519"}})
			c := testkit.DialSSHD(t, s, nil)
			opts := &job.Options{} // the unprivileged user's ~/.cache, removed with the user
			if u, err := user.Current(); err == nil && u.Username == s.User {
				opts.Dir = t.TempDir()
			}
			for i := range 5 {
				j, err := job.Start(testkit.Ctx(t), c, "echo hi", opts)
				if err != nil {
					t.Fatalf("job %d: Start: %v", i, err)
				}
				var out bytes.Buffer
				if err := j.Follow(testkit.Ctx(t), &out, nil); err != nil || out.String() != "hi\n" {
					t.Fatalf("job %d: Follow: %q, %v", i, out.String(), err)
				}
				if _, err := j.Status(testkit.Ctx(t)); err != nil {
					t.Fatalf("job %d: Status: %v", i, err)
				}
				if _, err := job.List(testkit.Ctx(t), c, opts); err != nil {
					t.Fatalf("job %d: List: %v", i, err)
				}
			}
		})
	}
}
