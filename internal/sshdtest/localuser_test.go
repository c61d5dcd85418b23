package sshdtest_test

import (
	"os/user"
	"strconv"
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/sshdtest"
)

// TestNewUser: the user exists, commands run as it in its home, and it is
// gone, with its processes, after the subtest's cleanup.
func TestNewUser(t *testing.T) {
	var name string
	t.Run("user", func(t *testing.T) {
		u := sshdtest.NewUser(t)
		name = u.Name
		got := strings.Fields(u.Run(t, `id -u; id -G; pwd; sleep 300 </dev/null >/dev/null 2>&1 & echo started`))
		want := []string{strconv.Itoa(u.UID), strconv.Itoa(u.GID), u.Home, "started"}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("as %s: %q; want %q", u.Name, got, want)
		}
		if len(u.Pids()) == 0 {
			t.Error("no process of the user runs")
		}
	})
	if _, err := user.Lookup(name); err == nil {
		t.Errorf("user %s still exists", name)
	}
}
