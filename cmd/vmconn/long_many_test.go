package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// countScript prints n numbered lines naming the machine's boot id, and
// every fifth on stderr, with pauses.
func countScript(n int) string {
	return fmt.Sprintf(`i=1; while [ $i -le %d ]; do echo "line $i of $VMTEST_BOOT_ID"; [ $((i %% 5)) -eq 0 ] && echo "err $i" >&2; i=$((i+1)); sleep 0.02; done`, n)
}

// wantCountScript is what countScript(n) prints with the given boot id.
func wantCountScript(bootID string, n int) (stdout, stderr string) {
	var out, errOut strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&out, "line %d of %s\n", i, bootID)
		if i%5 == 0 {
			fmt.Fprintf(&errOut, "err %d\n", i)
		}
	}
	return out.String(), errOut.String()
}

// TestLongManyJSON: "long -H --json" on 4 hosts whose connections drop
// on two of them mid-job: every host has a start object, its output
// exactly once at contiguous offsets, and an end object with its job ID
// and status.
func TestLongManyJSON(t *testing.T) {
	t.Parallel()
	srvs, key, known := cliFleet(t, 4)
	var hosts []string
	for _, srv := range srvs {
		hosts = append(hosts, srv.Addr())
	}
	const n = 40
	out := &lockedBuffer{when: fmt.Sprintf("line 10 of %s", srvs[0].BootID()), do: func() {
		srvs[0].DropConnections()
		srvs[2].DropConnections()
	}}
	stdout, stderr, code := cliRunWith(t, out, "long", "--json", "--dir", jobsDir(t), "-i", key, "--known-hosts", known,
		"-H", strings.Join(hosts, ","), "--", countScript(n))
	objs, streams := parseJSONLines(t, stdout)
	starts, ends := map[string]string{}, map[string]jsonObj{}
	for _, o := range objs {
		switch o.Type {
		case "start":
			starts[o.Host] = o.JobID
		case "end":
			ends[o.Host] = o
		}
	}
	for _, srv := range srvs {
		h := srv.Addr()
		wantOut, wantErr := wantCountScript(srv.BootID(), n)
		if streams[h+" stdout"] != wantOut || streams[h+" stderr"] != wantErr {
			t.Errorf("%s: stdout %q\nstderr %q", h, streams[h+" stdout"], streams[h+" stderr"])
		}
		e := ends[h]
		if starts[h] == "" || e.JobID != starts[h] || e.Class != "ok" || e.ExitStatus != 0 || e.StdoutBytes != int64(len(wantOut)) {
			t.Errorf("%s: start %q, end %+v", h, starts[h], e)
		}
	}
	if code != 0 || !strings.Contains(stderr, "4 ok, 0 failed, 0 unreachable") || !strings.Contains(stderr, hosts[0]+": vmconn: reconnected") {
		t.Errorf("code %d stderr %q", code, stderr)
	}
}

var attachHintLine = regexp.MustCompile(`vmconn attach \[flags\] -H '?([^' \n]+)'?`)

// TestLongManyDetachAttach: Ctrl-C detaches every host's job and prints
// the attach -H line that resumes them; attach -H then delivers the rest
// of each job's output, once; long -H --detach prints host=ID lines that
// attach --hosts-file reads.
func TestLongManyDetachAttach(t *testing.T) {
	t.Parallel()
	srvs, key, known := cliFleet(t, 3)
	var hosts []string
	for _, srv := range srvs {
		hosts = append(hosts, srv.Addr())
	}
	dir := jobsDir(t)
	release := filepath.Join(t.TempDir(), "release")
	script := fmt.Sprintf(`echo before; i=0; while [ ! -e %s ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; echo after`, release)
	ctx, cancel := context.WithCancel(testCtx(t))
	out := &lockedBuffer{when: hosts[0] + ": before\n"}
	out.do = func() { // once every host has printed its first line (bounded), Ctrl-C
		defer cancel()
		for range 500 {
			if s := out.String(); strings.Contains(s, hosts[1]+": before\n") && strings.Contains(s, hosts[2]+": before\n") {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	flags := []string{"--dir", dir, "-i", key, "--known-hosts", known}
	_, stderr, code := cliRunCtx(t, ctx, out, append(append([]string{"long"}, flags...), "-H", strings.Join(hosts, ","), "--", script)...)
	m := attachHintLine.FindStringSubmatch(stderr)
	if code != exitDetached || m == nil || !strings.Contains(stderr, "3 detached") {
		t.Fatalf("interrupted: code %d stderr %q", code, stderr)
	}
	if err := os.WriteFile(release, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := cliRun(t, append(append([]string{"attach"}, flags...), "-H", m[1])...)
	for _, h := range hosts {
		if !strings.Contains(stdout, h+": after\n") || strings.Contains(stdout, h+": before") {
			t.Errorf("attach -H: %s's output not resumed at its offset: %q", h, stdout)
		}
	}
	if code != 0 || !strings.Contains(stderr, "3 ok, 0 failed") {
		t.Errorf("attach -H: code %d stderr %q", code, stderr)
	}

	stdout, _, code = cliRun(t, append(append([]string{"long", "--detach"}, flags...), "-H", strings.Join(hosts[:2], ","), "--", "echo started")...)
	file := filepath.Join(t.TempDir(), "jobs")
	if err := os.WriteFile(file, []byte(stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	if code != 0 || strings.Count(stdout, "=") != 2 {
		t.Fatalf("long --detach -H: code %d stdout %q", code, stdout)
	}
	stdout, _, code = cliRun(t, append(append([]string{"attach"}, flags...), "--hosts-file", file)...)
	if code != 0 || !strings.Contains(stdout, hosts[1]+": started\n") {
		t.Errorf("attach --hosts-file: code %d stdout %q", code, stdout)
	}
}

// TestLongManyKillOnInterrupt: with --kill-on-interrupt, Ctrl-C kills
// every host's job and reports each one's status.
func TestLongManyKillOnInterrupt(t *testing.T) {
	t.Parallel()
	srvs, key, known := cliFleet(t, 2)
	hosts := []string{srvs[0].Addr(), srvs[1].Addr()}
	ctx, cancel := context.WithCancel(testCtx(t))
	out := &lockedBuffer{when: hosts[0] + ": ready\n"}
	out.do = func() {
		defer cancel()
		for range 500 {
			if strings.Contains(out.String(), hosts[1]+": ready\n") {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	_, stderr, code := cliRunCtx(t, ctx, out, "long", "--kill-on-interrupt", "--dir", jobsDir(t), "-i", key, "--known-hosts", known,
		"-H", strings.Join(hosts, ","), "--", "echo ready; sleep 30")
	if code != exitFailed || strings.Count(stderr, "command exited with status 143\n") != 2 || !strings.Contains(stderr, "0 ok, 2 failed") {
		t.Errorf("code %d stderr %q", code, stderr)
	}
}
