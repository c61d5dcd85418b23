package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/vmconn/vmconn/bench/internal/sshd"
)

// paramikoWorker is a long-lived "pbench.py serve" process, so that
// paramiko's samples interleave with the other clients' and Python's
// start-up is not counted (as Go's is not).
type paramikoWorker struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startParamiko(python, script string) (*paramikoWorker, error) {
	cmd := exec.Command(python, script, "serve")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start paramiko worker: %w", err)
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	return &paramikoWorker{cmd: cmd, in: in, out: sc}, nil
}

// call sends one request and decodes the answer into resp.
func (w *paramikoWorker) call(req map[string]any, resp any) error {
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := w.in.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("paramiko worker: %w", err)
	}
	if !w.out.Scan() {
		return fmt.Errorf("paramiko worker ended: %v", w.out.Err())
	}
	var e struct{ Error string }
	if err := json.Unmarshal(w.out.Bytes(), &e); err != nil {
		return err
	}
	if e.Error != "" {
		return errors.New("paramiko: " + e.Error)
	}
	return json.Unmarshal(w.out.Bytes(), resp)
}

// close ends the worker: EOF on its stdin, then a kill after 5s.
func (w *paramikoWorker) close() {
	w.in.Close()
	done := make(chan struct{})
	go func() { _ = w.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = w.cmd.Process.Kill()
		<-done
	}
}

// target is the connection part of a request.
func (b *bench) pyTarget(s *sshd.Server, nodelay bool) map[string]any {
	return map[string]any{
		"host": "127.0.0.1", "port": s.Port, "user": b.farm.User,
		"key": b.farm.ClientKey, "known_hosts": b.farm.KnownHosts, "nodelay": nodelay,
	}
}

func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m)+len(kv)/2)
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func durations(ns []int64) []time.Duration {
	out := make([]time.Duration, len(ns))
	for i, n := range ns {
		out[i] = time.Duration(n)
	}
	return out
}

// paramikoVersion asks python for paramiko's version.
func paramikoVersion(python string) string {
	out, err := exec.Command(python, "-c", "import paramiko, sys; print('paramiko', paramiko.__version__, 'Python', sys.version.split()[0])").Output()
	if err != nil {
		return "paramiko: " + err.Error()
	}
	return strings.TrimSpace(string(out))
}
