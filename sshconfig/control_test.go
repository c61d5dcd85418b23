package sshconfig_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/sshconfig"
)

// TestControlDirectives checks ControlMaster, ControlPath (tokens) and
// ControlPersist as ssh reads them.
func TestControlDirectives(t *testing.T) {
	t.Parallel()
	sc, err := sshconfig.Parse([]byte(`
Host shared
  HostName 127.0.0.1
  User alice
  Port 2200
  ControlMaster auto
  ControlPath /tmp/cm-%r@%h:%p
  ControlPersist 1h30m
Host forever
  ControlMaster yes
  ControlPath /tmp/cm-%C
  ControlPersist yes
Host zero
  ControlMaster auto
  ControlPath /tmp/z
  ControlPersist 0
Host plain
  ControlPersist 90
Host nopath
  ControlMaster auto
  ControlPath none
`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		host    string
		want    sshconfig.Control
		shares  bool
		pathHas string
	}{
		{"shared", sshconfig.Control{Master: "auto", Path: "/tmp/cm-alice@127.0.0.1:2200", Persist: 90 * time.Minute}, true, ""},
		{"forever", sshconfig.Control{Master: "yes", Persist: sshconfig.PersistForever}, true, "/tmp/cm-"},
		{"zero", sshconfig.Control{Master: "auto", Path: "/tmp/z", Persist: sshconfig.PersistForever}, true, ""},
		{"plain", sshconfig.Control{Persist: 90 * time.Second}, false, ""},
		{"nopath", sshconfig.Control{Master: "auto"}, false, ""},
	}
	for _, tc := range cases {
		r, err := sc.Resolve(tc.host, &vmconn.Config{User: "alice"})
		if err != nil {
			t.Fatalf("%s: %v", tc.host, err)
		}
		got := r.Control
		if tc.pathHas != "" {
			if !strings.HasPrefix(got.Path, tc.pathHas) || len(got.Path) != len(tc.pathHas)+40 {
				t.Errorf("%s: Path %q, want %s and a 40-digit %%C", tc.host, got.Path, tc.pathHas)
			}
			got.Path = ""
		}
		if got != tc.want {
			t.Errorf("%s: Control = %+v, want %+v", tc.host, got, tc.want)
		}
		if r.Control.Shares() != tc.shares {
			t.Errorf("%s: Shares() = %v, want %v", tc.host, r.Control.Shares(), tc.shares)
		}
	}
}

// TestControlBadValues checks that nonsense is an ErrConfig, not ignored.
func TestControlBadValues(t *testing.T) {
	t.Parallel()
	for _, line := range []string{"ControlMaster maybe", "ControlPersist 10x", "ControlPersist -5", "ControlPersist 9999999999", "ControlPath /tmp/%Z"} {
		sc, err := sshconfig.Parse([]byte("Host h\n  " + line + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sc.Resolve("h", nil); !errors.Is(err, vmconn.ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", line, err)
		}
	}
}

// TestControlOptions checks that -o sets the control directives.
func TestControlOptions(t *testing.T) {
	t.Parallel()
	sc, _ := sshconfig.Parse(nil)
	sc, err := sc.WithOptions("ControlMaster=auto", "ControlPath=/tmp/x-%h", "ControlPersist=60s")
	if err != nil {
		t.Fatal(err)
	}
	r, err := sc.Resolve("vm1", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := sshconfig.Control{Master: "auto", Path: "/tmp/x-vm1", Persist: time.Minute}
	if r.Control != want {
		t.Errorf("Control = %+v, want %+v", r.Control, want)
	}
}
