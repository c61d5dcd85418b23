//go:build linux

package vmconn_test

import (
	"slices"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/vmhost"
)

// TestVmhostBackOnlineAfterDroppedLink measures, and only logs, the time
// from a dropped link coming back to the Reconnected event. While the
// link drops every packet the TCP connect is not refused but pending (the
// kernel sends its SYN again after 1s, 3s, 7s...), and vmconn does not
// abandon a pending connect to start another (one that completes just as
// it is abandoned would reach sshd and be dropped unused): so the host is
// noticed at the kernel's next SYN, not within the poll interval.
func TestVmhostBackOnlineAfterDroppedLink(t *testing.T) {
	t.Parallel()
	h := vmhost.Start(t, nil)
	cfg := vmhostConfig(h)
	cfg.KeepaliveInterval, cfg.KeepaliveCountMax = 100*time.Millisecond, 2
	var events vmhostEvents
	cfg.OnEvent = events.add
	c := vmhostDial(t, h, cfg)
	var delays []time.Duration
	for range 3 {
		if err := h.CutLink(vmhost.Drop); err != nil {
			t.Fatal(err)
		}
		<-c.Done()
		done := make(chan error, 1)
		go func() { done <- c.Reconnect(testCtx(t)) }()
		time.Sleep(1500 * time.Millisecond) // the connect is pending, its SYN dropped
		if err := h.RestoreLink(); err != nil {
			t.Fatal(err)
		}
		restored := time.Now()
		if err := <-done; err != nil {
			t.Fatalf("Reconnect after the link came back: %v", err)
		}
		back, ok := events.first(vmconn.EventReconnected, restored)
		if !ok {
			t.Fatal("no reconnected event")
		}
		delays = append(delays, back.Time.Sub(restored))
	}
	slices.Sort(delays)
	t.Logf("dropped link restored -> reconnected, %d cuts: %v", len(delays), delays)
}
