package sshconfig_test

import (
	"strings"
	"testing"

	"github.com/vmconn/vmconn/sshconfig"
)

// TestSSHConfigEnvWarned: SetEnv and SendEnv, which vmconn does not apply,
// are named in the warnings rather than dropped silently.
func TestEnvWarned(t *testing.T) {
	t.Parallel()
	sc, err := sshconfig.Parse([]byte("Host envy\n SetEnv LANG=C FOO=bar\n SendEnv LC_*\n"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := sc.Resolve("envy", nil)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(r.Warnings, "\n")
	for _, want := range []string{"SetEnv LANG=C FOO=bar", "SendEnv LC_*", "Cmd.Env"} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings %q lack %q", r.Warnings, want)
		}
	}
}
