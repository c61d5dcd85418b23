package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/sshdtest"
	"github.com/vmconn/vmconn/internal/testenv"
	"github.com/vmconn/vmconn/sshconfig"
)

func TestParseForward(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		flag, v string
		want    sshconfig.Forward
		ok      bool
	}{
		{"-L", "8080:db:5432", sshconfig.Forward{Bind: "127.0.0.1:8080", Target: "db:5432"}, true},
		{"-L", "*:8080:10.0.0.1:80", sshconfig.Forward{Bind: "0.0.0.0:8080", Target: "10.0.0.1:80"}, true},
		{"-R", "[::1]:9000:[::1]:22", sshconfig.Forward{Bind: "[::1]:9000", Target: "[::1]:22"}, true},
		{"-D", "1080", sshconfig.Forward{Bind: "127.0.0.1:1080"}, true},
		{"-D", "localhost:1080", sshconfig.Forward{Bind: "127.0.0.1:1080"}, true},
		{"-L", "8080:db", sshconfig.Forward{}, false},
		{"-L", "x:8080:db:y", sshconfig.Forward{}, false},
		{"-D", "a:b:c", sshconfig.Forward{}, false},
		{"-D", "99999", sshconfig.Forward{}, false},
	} {
		got, err := parseForward(tc.flag, tc.v, tc.flag != "-D")
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("%s %s = %+v, %v; want %+v ok=%v", tc.flag, tc.v, got, err, tc.want, tc.ok)
		}
	}
}

// TestForwardCmd: vmconn forward -L (from the flag) and LocalForward
// (from ssh_config) carry HTTP before and after sshd's connection
// processes are killed, and the command ends on cancel.
func TestForwardCmd(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{})
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hello") }))
	defer web.Close()
	cfgFile := filepath.Join(t.TempDir(), "config")
	os.WriteFile(cfgFile, []byte("Host *\n  LocalForward 127.0.0.1:0 "+web.Listener.Addr().String()+"\n"), 0o600)
	args := []string{"forward", "-F", cfgFile, "-i", s.ClientKeyFile, "--known-hosts", s.KnownHostsFile,
		"-p", strconv.Itoa(s.Port), "-l", s.User, "-L", "0:" + web.Listener.Addr().String(), "127.0.0.1"}
	ready := make(chan struct{})
	out := &lockedBuffer{when: "forwarding", do: func() { close(ready) }}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var errOut lockedBuffer
	done := make(chan int, 1)
	go func() {
		root := newRootCmd()
		root.SetArgs(args)
		root.SetOut(out)
		root.SetErr(&errOut)
		done <- exitCodeTo(&errOut, root.ExecuteContext(ctx))
	}()
	select {
	case <-ready:
	case code := <-done:
		t.Fatalf("forward exited %d: %s", code, errOut.String())
	}
	re := regexp.MustCompile(`-L (127\.0\.0\.1:\d+):`)
	var addrs [][]string
	testenv.Eventually(t, 10*time.Second, func() bool {
		addrs = re.FindAllStringSubmatch(out.String(), -1)
		return len(addrs) == 2
	}, "two forwards printed")
	if len(addrs) != 2 {
		t.Fatalf("output: %q", out.String())
	}
	fetch := func(when string) {
		for _, a := range addrs {
			resp, err := (&http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}).Get("http://" + a[1] + "/")
			if err != nil {
				t.Fatalf("%s: GET via %s: %v", when, a[1], err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != "hello" {
				t.Errorf("%s: via %s: %q", when, a[1], b)
			}
		}
	}
	fetch("before the cut")
	s.KillConnections(t)
	fetch("after the cut")
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d: %s", code, errOut.String())
	}
	if !regexp.MustCompile(`lost|reconnected`).MatchString(errOut.String()) {
		t.Errorf("no reconnect shown on stderr: %q", errOut.String())
	}
}
