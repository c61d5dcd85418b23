package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestJobsAndKillCmds: "jobs" lists running and ended jobs (also as
// JSON), "kill" signals one, "jobs --prune" removes ended ones.
func TestJobsAndKillCmds(t *testing.T) {
	srv, flags := cliServer(t)
	dir := jobsDir(t)
	with := func(cmd string, args ...string) []string {
		return append(append(append([]string{cmd, "--dir", dir}, flags...), srv.Addr()), args...)
	}
	ended, _, _ := cliRun(t, longArgs(flags, dir, srv.Addr(), "exit 5", "--detach")...)
	running, _, _ := cliRun(t, longArgs(flags, dir, srv.Addr(), "sleep 60", "--detach")...)
	ended, running = strings.TrimSpace(ended), strings.TrimSpace(running)
	waitFile(t, dir+"/"+ended+"/exit")

	stdout, stderr, code := cliRun(t, with("jobs")...)
	if code != 0 || !strings.Contains(stdout, ended+"  exited 5") || !strings.Contains(stdout, running+"  running") || !strings.Contains(stdout, `"sleep 60"`) {
		t.Errorf("jobs: %d\n%s%s", code, stdout, stderr)
	}
	stdout, _, code = cliRun(t, append([]string{"--json"}, with("jobs")...)...)
	var list []jobJSON
	if err := json.Unmarshal([]byte(stdout), &list); err != nil || code != 0 || len(list) != 2 {
		t.Fatalf("jobs --json: %d %q %v", code, stdout, err)
	}
	for _, j := range list {
		if j.ID == ended && (j.State != "exited" || j.ExitCode == nil || *j.ExitCode != 5) || j.ID == running && (j.State != "running" || j.ExitCode != nil) {
			t.Errorf("job %+v", j)
		}
	}

	if _, stderr, code := cliRun(t, with("kill", running, "--signal", "int")...); code != 0 {
		t.Errorf("kill: %d %q", code, stderr)
	}
	waitFile(t, dir+"/"+running+"/exit")
	if _, _, code := cliRun(t, with("kill", running)...); code != exitNoJob {
		t.Errorf("kill of an ended job: %d", code)
	}
	stdout, _, code = cliRun(t, with("attach", running)...)
	if code != 128+2 || stdout != "" {
		t.Errorf("attach to the job killed by SIGINT: %d %q; want 130", code, stdout)
	}
	_, stderr, code = cliRun(t, with("jobs", "--prune", "0s")...)
	if code != 0 || !strings.Contains(stderr, "pruned: "+ended) || !strings.Contains(stderr, "pruned: "+running) {
		t.Errorf("jobs --prune: %d %q", code, stderr)
	}
	if _, _, code := cliRun(t, with("kill", ended)...); code != exitNoJob {
		t.Errorf("kill of a pruned job: %d", code)
	}
}
