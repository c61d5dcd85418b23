package sshconfig_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/sshconfig"
)

// TestForwards: LocalForward, RemoteForward and DynamicForward reach
// Resolved.Forwards, every occurrence in order.
func TestForwards(t *testing.T) {
	t.Parallel()
	sc, err := sshconfig.Parse([]byte(`
Host web
  LocalForward 8080 db:5432
  LocalForward *:8081 127.0.0.1:80
  RemoteForward 127.0.0.1:9000 localhost:3000
  DynamicForward 1080
`))
	if err != nil {
		t.Fatal(err)
	}
	r, err := sc.Resolve("web", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := sshconfig.Forwards{
		Local:   []sshconfig.Forward{{"127.0.0.1:8080", "db:5432"}, {"0.0.0.0:8081", "127.0.0.1:80"}},
		Remote:  []sshconfig.Forward{{"127.0.0.1:9000", "localhost:3000"}},
		Dynamic: []sshconfig.Forward{{Bind: "127.0.0.1:1080"}},
	}
	if !reflect.DeepEqual(r.Forwards, want) {
		t.Errorf("Forwards = %+v, want %+v", r.Forwards, want)
	}
}

// TestForwardsBad: a malformed forward is an ErrConfig error.
func TestForwardsBad(t *testing.T) {
	t.Parallel()
	for _, line := range []string{"LocalForward 8080", "RemoteForward 9000 nohostport", "DynamicForward 1 2"} {
		sc, err := sshconfig.Parse([]byte("Host web\n  " + line + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sc.Resolve("web", nil); !errors.Is(err, vmconn.ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", line, err)
		}
	}
}
