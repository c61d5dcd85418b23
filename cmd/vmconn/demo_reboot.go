package main

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/vmconn/vmconn"
)

// triggerWriter calls fn once the output so far contains mark.
type triggerWriter struct {
	mu   sync.Mutex
	seen strings.Builder
	mark string
	fn   func()
	done bool
}

func (w *triggerWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen.Write(p)
	if !w.done && strings.Contains(w.seen.String(), w.mark) {
		w.done = true
		go w.fn()
	}
	return len(p), nil
}

func (d *demo) guard(ctx context.Context) error {
	for _, fault := range []struct {
		name string
		do   func()
	}{{"connections dropped", d.srv.DropConnections}, {"machine rebooted", d.srv.Reboot}} {
		cmd := d.client.Command(ctx, "echo working; sleep 30")
		cmd.RebootGuard = true
		cmd.Stdout = &triggerWriter{mark: "working", fn: fault.do}
		err := cmd.Run()
		var re *vmconn.RebootError
		switch {
		case errors.As(err, &re):
			d.say("%-20s -> rebooted: %s -> %s", fault.name, re.OldBootID, re.NewBootID)
		default:
			d.say("%-20s -> not a reboot (same boot id); the command's outcome: %v", fault.name, err)
		}
	}
	return nil
}

func (d *demo) reboot(ctx context.Context) error {
	res, err := d.client.Reboot(ctx)
	if err != nil {
		return err
	}
	d.say("Reboot: boot id %s -> %s, back after %v (the test VM intercepts `reboot`)", res.OldBootID, res.NewBootID, res.Downtime.Round(1e6))
	return nil
}
