package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/sshdtest"
)

// jsonObj is any object of the --json schema.
type jsonObj struct {
	Type        string `json:"type"`
	Host        string `json:"host"`
	JobID       string `json:"job_id"`
	Stream      string `json:"stream"`
	Offset      int64  `json:"offset"`
	Data        string `json:"data"`
	DataBase64  []byte `json:"data_base64"`
	Class       string `json:"class"`
	ExitStatus  int    `json:"exit_status"`
	Signal      string `json:"signal"`
	Error       string `json:"error"`
	DurationMS  int64  `json:"duration_ms"`
	StdoutBytes int64  `json:"stdout_bytes"`
	StderrBytes int64  `json:"stderr_bytes"`
	Rebooted    *bool  `json:"rebooted"`
	OldBootID   string `json:"old_boot_id"`
	NewBootID   string `json:"new_boot_id"`
}

// parseJSONLines decodes stdout's objects and rebuilds each host's
// streams, checking that offsets are contiguous from the first one.
func parseJSONLines(t *testing.T, stdout string) (objs []jsonObj, streams map[string]string) {
	t.Helper()
	streams = map[string]string{}
	base := map[string]int64{}
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var o jsonObj
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if o.Type == "output" {
			key := o.Host + " " + o.Stream
			if _, ok := base[key]; !ok {
				base[key] = o.Offset
			}
			if base[key]+int64(len(streams[key])) != o.Offset {
				t.Fatalf("%s: offset %d after %d bytes", key, o.Offset, len(streams[key]))
			}
			streams[key] += o.Data + string(o.DataBase64)
		}
		objs = append(objs, o)
	}
	return objs, streams
}

// lastEnd returns the last end object.
func lastEnd(t *testing.T, objs []jsonObj) jsonObj {
	t.Helper()
	if len(objs) == 0 || objs[len(objs)-1].Type != "end" {
		t.Fatalf("no end object last in %+v", objs)
	}
	return objs[len(objs)-1]
}

// TestExecJSONStreams: output objects are printed as the output arrives
// (the command waits for its first chunk to be seen before it ends), then
// one end object; text split mid-rune and binary data survive.
func TestExecJSONStreams(t *testing.T) {
	t.Parallel()
	srv, flags := cliServer(t)
	seen := filepath.Join(t.TempDir(), "seen")
	out := &lockedBuffer{when: `"type":"output"`, do: func() { os.WriteFile(seen, nil, 0o600) }}
	script := fmt.Sprintf(`echo first; i=0; while [ ! -e %s ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i+1)); done
[ -e %[1]s ] || exit 9; printf 'caf\303'; sleep 0.05; printf '\251'; printf '\377\n' >&2; head -c 300000 /dev/zero | tr '\0' x; exit 3`, seen)
	stdout, _, code := cliRunWith(t, out, append(append([]string{"exec", "--json"}, flags...), srv.Addr(), script)...)
	objs, streams := parseJSONLines(t, stdout)
	end := lastEnd(t, objs)
	wantOut := "first\ncafé" + strings.Repeat("x", 300000)
	if code != 3 || end.ExitStatus != 3 || end.Class != "failed" || end.StdoutBytes != int64(len(wantOut)) || end.Host != srv.Addr() {
		t.Errorf("code %d end %+v", code, end)
	}
	if streams[srv.Addr()+" stdout"] != wantOut || streams[srv.Addr()+" stderr"] != "\xff\n" {
		t.Errorf("streams: stdout %d bytes, stderr %q", len(streams[srv.Addr()+" stdout"]), streams[srv.Addr()+" stderr"])
	}
}

// countingWriter discards what it is given, counting it.
type countingWriter struct{ n atomic.Int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n.Add(int64(len(p))); return len(p), nil }

// TestExecJSONBoundedMemory: a 64 MiB line with --json is never held in
// memory (it was, whole, several times over).
func TestExecJSONBoundedMemory(t *testing.T) {
	srv, flags := cliServer(t)
	var out countingWriter
	root := newRootCmd()
	root.SetArgs(append(append([]string{"exec", "--json"}, flags...), srv.Addr(), "head -c 67108864 /dev/zero | tr '\\0' x"))
	root.SetOut(&out)
	root.SetErr(&out)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	peak, stop := heapPeak()
	err := root.ExecuteContext(ctx)
	stop()
	if err != nil || out.n.Load() < 64<<20 {
		t.Fatalf("err %v, %d bytes printed", err, out.n.Load())
	}
	t.Logf("heap peak %d MiB", *peak>>20)
	if *peak > 48<<20 {
		t.Errorf("heap peaked at %d MiB for a 64 MiB line", *peak>>20)
	}
}

// heapPeak samples the heap in use until stop is called.
func heapPeak() (*uint64, func()) {
	var peak uint64
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return &peak, func() { close(done); <-finished }
}

// TestExecManyJSON: -H --json streams each host's output objects and
// ends with one end object per host.
func TestExecManyJSON(t *testing.T) {
	t.Parallel()
	srv, flags := cliServer(t)
	stdout, _, code := cliRun(t, append(flags, "exec", "--json", "-H", srv.Addr(), "echo hi; sleep 0.01; exit 2")...)
	objs, streams := parseJSONLines(t, stdout)
	end := lastEnd(t, objs)
	if code != 1 || streams[srv.Addr()+" stdout"] != "hi\n" || end.ExitStatus != 2 || end.Class != "failed" || end.DurationMS <= 0 || end.StdoutBytes != 3 {
		t.Errorf("code %d, %q, end %+v", code, stdout, end)
	}
}

// TestExecManyJSONHostTwice: a host given twice to -H is two runs, each
// with its own output and end objects: neither run's last (unended) line
// is lost, or counted in the other's.
func TestExecManyJSONHostTwice(t *testing.T) {
	t.Parallel()
	srv, flags := cliServer(t)
	stdout, stderr, code := cliRun(t, append(flags, "exec", "--json", "-H", srv.Addr()+","+srv.Addr(), "sleep 0.$(($$ % 3)); printf x")...)
	outputs, ends := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var o jsonObj
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		switch o.Type {
		case "output":
			outputs++
			if o.Data != "x" || o.Offset != 0 {
				t.Errorf("output %+v; want one \"x\" at offset 0 per run", o)
			}
		case "end":
			ends++
			if o.Class != "ok" || o.StdoutBytes != 1 {
				t.Errorf("end %+v; want ok with 1 byte of stdout", o)
			}
		}
	}
	if code != 0 || outputs != 2 || ends != 2 {
		t.Errorf("code %d, %d output and %d end objects, want 0, 2, 2; stdout %q stderr %q", code, outputs, ends, stdout, stderr)
	}
}

// TestGuardJSON: the end object carries both boot ids and "rebooted".
func TestGuardJSON(t *testing.T) {
	t.Parallel()
	srv, flags := cliServer(t)
	stdout, _, code := cliRun(t, append(append([]string{"guard", "--json"}, flags...), srv.Addr(), "echo fine; exit 5")...)
	objs, streams := parseJSONLines(t, stdout)
	end := lastEnd(t, objs)
	if code != 5 || streams[srv.Addr()+" stdout"] != "fine\n" || end.ExitStatus != 5 || end.Rebooted == nil || *end.Rebooted ||
		end.OldBootID != srv.BootID() || end.NewBootID != srv.BootID() {
		t.Errorf("no reboot: code %d end %+v", code, end)
	}
	before := srv.BootID()
	out := &lockedBuffer{when: "running", do: srv.Reboot}
	stdout, _, code = cliRunWith(t, out, append(append([]string{"guard", "--json"}, flags...), srv.Addr(), "echo running; sleep 30")...)
	end = lastEnd(t, mustParse(t, stdout))
	if code != 254 || end.Rebooted == nil || !*end.Rebooted || end.Class != "rebooted" || end.OldBootID != before || end.NewBootID != srv.BootID() {
		t.Errorf("reboot: code %d end %+v", code, end)
	}
}

func mustParse(t *testing.T, stdout string) []jsonObj {
	objs, _ := parseJSONLines(t, stdout)
	return objs
}

// TestLongAttachKillJSON: long and attach print a start object with the
// job id, output objects at the job's offsets, and an end object; kill
// prints one object.
func TestLongAttachKillJSON(t *testing.T) {
	t.Parallel()
	srv, flags := cliServer(t)
	dir := jobsDir(t)
	stdout, _, code := cliRun(t, longArgs(flags, dir, srv.Addr(), "echo out; echo err >&2; exit 2", "--json")...)
	objs, streams := parseJSONLines(t, stdout)
	end := lastEnd(t, objs)
	if code != 2 || objs[0].Type != "start" || objs[0].JobID == "" || end.JobID != objs[0].JobID || end.ExitStatus != 2 ||
		end.Class != "failed" || streams[srv.Addr()+" stdout"] != "out\n" || streams[srv.Addr()+" stderr"] != "err\n" {
		t.Fatalf("long: code %d %q", code, stdout)
	}
	id := objs[0].JobID
	stdout, _, code = cliRun(t, append(append([]string{"attach", "--json", "--dir", dir, "--from", "1"}, flags...), srv.Addr(), id)...)
	objs = mustParse(t, stdout)
	var first *jsonObj // the first stdout chunk: the two streams' chunks may come in either order
	for i := range objs {
		if objs[i].Type == "output" && objs[i].Stream == "stdout" {
			first = &objs[i]
			break
		}
	}
	if code != 2 || len(objs) < 3 || first == nil || first.Offset != 1 || !strings.HasPrefix(first.Data, "ut") || lastEnd(t, objs).StdoutBytes != 4 {
		t.Errorf("attach --from 1: code %d %q", code, stdout)
	}
	stdout, _, code = cliRun(t, append(append([]string{"kill", "--json", "--dir", dir}, flags...), srv.Addr(), id)...)
	var k map[string]string
	if err := json.Unmarshal([]byte(stdout), &k); err != nil || code != 1 || k["class"] != "finished" || k["job_id"] != id {
		t.Errorf("kill: code %d %q", code, stdout)
	}
}

// TestCpJSON: cp prints one object with the files and bytes copied; a
// port is given as [host]:port:path.
func TestCpJSON(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{HostKeyTypes: []string{"ed25519"}})
	src := filepath.Join(t.TempDir(), "f")
	os.WriteFile(src, []byte("hello world"), 0o644)
	dst := t.TempDir()
	os.Chmod(dst, 0o777)
	remote := fmt.Sprintf("%s@[%s]:%d:", s.User, s.Host, s.Port)
	flags := []string{"-i", s.ClientKeyFile, "--known-hosts", s.KnownHostsFile}
	stdout, stderr, code := cliRun(t, append(append([]string{"cp", "--json"}, flags...), src, remote+dst+"/g")...)
	var res struct {
		Files, Bytes int64
		Direction    string
		Class        string
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || code != 0 || res.Files != 1 || res.Bytes != 11 || res.Direction != "upload" || res.Class != "ok" {
		t.Errorf("cp: code %d %q %q", code, stdout, stderr)
	}
	_, stderr, code = cliRun(t, append(append([]string{"cp"}, flags...), src, remote+dst+"/missing/")...)
	if code != 1 || !strings.Contains(stderr, dst+"/missing") {
		t.Errorf("missing directory: code %d %q", code, stderr)
	}
}
