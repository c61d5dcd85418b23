package vmconn_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/sshdtest"
	"github.com/vmconn/vmconn/internal/testenv"
	"github.com/vmconn/vmconn/internal/testkit"
)

// relayCommand is a ProxyCommand that notes each run's pid in runs, writes a
// line to its standard error and relays to s with busybox nc.
func relayCommand(s *sshdtest.Server, runs string) string {
	return fmt.Sprintf("sh -c 'echo $$ >> %s; echo proxy-says-hi >&2; exec busybox nc %s %d'", runs, s.Host, s.Port)
}

// TestProxyCommandSSHD: a login through a ProxyCommand relay to real
// sshd, its standard error passed through, and the command run again
// for the reconnection after sshd dropped the connection.
func TestProxyCommandSSHD(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("the relay is a Unix shell command; the reaping check reads /proc")
	}
	s := sshdtest.Start(t, sshdtest.Options{HostKeyTypes: []string{"ed25519"}})
	runs := filepath.Join(t.TempDir(), "runs")
	var stderr testkit.Buffer
	cfg := sshdConfig(s)
	cfg.DialContext = (&vmconn.ProxyCommand{Command: relayCommand(s, runs), Stderr: &stderr}).DialContext
	c := dialSSHD(t, s, cfg)
	if out, err := c.Output(testCtx(t), "echo ok"); err != nil || string(out) != "ok\n" {
		t.Fatalf("Output = %q, %v", out, err)
	}
	s.KillConnections(t)
	if out, err := c.Output(testCtx(t), "echo again"); err != nil || string(out) != "again\n" {
		t.Fatalf("Output after the connection was cut = %q, %v", out, err)
	}
	c.Close()
	b, _ := os.ReadFile(runs)
	pids := strings.Fields(string(b))
	if len(pids) != 2 {
		t.Errorf("the command ran %d times, want 2 (dial and reconnect)", len(pids))
	}
	for _, pid := range pids { // each relay is killed and reaped, the first when its link was lost
		testenv.Eventually(t, 5*time.Second, func() bool {
			_, err := os.Stat("/proc/" + pid)
			return errors.Is(err, os.ErrNotExist)
		}, "proxy command %s still exists after Close", pid)
	}
	if !strings.Contains(stderr.String(), "proxy-says-hi") {
		t.Errorf("the command's stderr was not passed through: %q", stderr.String())
	}
}

// TestProxyCommandBad: a command that exits at once or writes garbage
// fails the handshake; one that stalls is bounded by ConnectTimeout. The
// process is gone when Dial returns an error (or soon after).
func TestProxyCommandBad(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("the commands are Unix shell commands; the reaping check reads /proc")
	}
	for _, tc := range []struct {
		name, script string
		want         error
	}{
		{"exits", "exit 3", vmconn.ErrHandshake},
		{"garbage", `printf "garbage\r\nSSH-junk\r\n"`, vmconn.ErrHandshake},
		{"stalls", `printf "not ssh\r\n"; exec sleep 60`, vmconn.ErrTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pidFile := filepath.Join(t.TempDir(), "pid")
			cmd := fmt.Sprintf("sh -c 'echo $$ > %s; %s'", pidFile, tc.script)
			cfg := &vmconn.Config{
				ConnectTimeout: time.Second, HostKeyMode: vmconn.HostKeyInsecureIgnore, NoAgent: true,
				DialContext: (&vmconn.ProxyCommand{Command: cmd}).DialContext,
			}
			start := time.Now()
			_, err := vmconn.Dial(testCtx(t), "nobody@proxied.invalid:22", cfg)
			if !errors.Is(err, tc.want) || (tc.name == "exits" && !strings.Contains(err.Error(), "ended before the server's banner")) {
				t.Fatalf("Dial = %v, want %v", err, tc.want)
			}
			t.Logf("failed after %v: %v", time.Since(start), err)
			b, rerr := os.ReadFile(pidFile)
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			if rerr != nil || pid <= 0 {
				t.Fatalf("pid file: %q, %v", b, rerr)
			}
			testenv.Eventually(t, 5*time.Second, func() bool {
				_, err := os.Stat("/proc/" + strconv.Itoa(pid))
				return errors.Is(err, os.ErrNotExist)
			}, "proxy command %d still exists (not reaped)", pid)
		})
	}
}
