package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vmconn/vmconn/control"
)

// share shows a master serving the demo's connection on a Unix socket,
// and commands run through it with control.Run, as --control-persist
// does for separate CLI calls.
func (d *demo) share(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "vmconn-demo")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := control.MkdirPrivate(dir); err != nil {
		return err
	}
	path, key := filepath.Join(dir, "master"), control.Key("demo", d.srv.Addr())
	ln, err := control.Listen(path)
	if err != nil {
		return err
	}
	m := &control.Master{Client: d.client, Key: key, Target: d.srv.Addr()}
	served := make(chan error, 1)
	go func() { served <- m.Serve(ctx, ln) }()
	defer func() { m.Stop(); <-served }()
	d.say("master:        serves the connection on %s (0700 directory, peer uid checked)", path)

	const n = 20
	var out strings.Builder
	start := time.Now()
	for i := range n {
		r := &control.Run{Command: fmt.Sprintf("echo call %d", i+1), Stdout: &out}
		if err := r.Run(ctx, path, key); err != nil {
			return err
		}
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	d.say("control.Run:   %d commands through it, %v each, no login of their own; last said %q",
		n, (time.Since(start) / n).Round(100*time.Microsecond), lines[len(lines)-1])
	err = (&control.Run{Command: "echo run; exit 3"}).Run(ctx, path, control.Key("other settings"))
	d.say("another key:   refused (%v): other users, keys or known_hosts never share", err)
	return nil
}
