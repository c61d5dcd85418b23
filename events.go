package vmconn

import (
	"context"
	"log/slog"
	"time"
)

// EventType names a connection state change.
type EventType int

// The connection state changes reported through Config.OnEvent and
// Client.OnEvent.
const (
	EventConnected    EventType = iota + 1 // first connection made
	EventLost                              // the connection ended unexpectedly
	EventReconnecting                      // a reconnection attempt starts
	EventReconnected                       // a new connection replaced a lost one
	EventRebooted                          // the boot id changed: the machine rebooted (once per reboot)
)

// String returns the event's name: "connected", "lost", ...
func (t EventType) String() string {
	switch t {
	case EventConnected:
		return "connected"
	case EventLost:
		return "lost"
	case EventReconnecting:
		return "reconnecting"
	case EventReconnected:
		return "reconnected"
	case EventRebooted:
		return "rebooted"
	}
	return "unknown"
}

// Event describes one connection state change.
type Event struct {
	Type      EventType
	Addr      string    // host:port
	Time      time.Time // when it happened
	Attempt   int       // reconnection attempt number (reconnecting, reconnected)
	Err       error     // why the connection was lost, or the last attempt's error
	OldBootID string    // rebooted: the boot id before
	NewBootID string    // rebooted: the boot id after
}

// rebooted reports the reboot from oldID to newID as an
// EventRebooted, once: a reboot is noticed both by the reconnection that
// follows it and by the Guard, guarded command or Reboot that waited for
// it, and only the first to see the new boot id reports it.
func (c *Client) rebooted(oldID, newID string) {
	c.mu.Lock()
	seen := c.rebootedTo == newID
	c.rebootedTo = newID
	c.mu.Unlock()
	if !seen {
		c.emit(Event{Type: EventRebooted, OldBootID: oldID, NewBootID: newID})
	}
}

// emit logs the event, hands it to Config.OnEvent and queues it for the
// Client.OnEvent subscribers.
func (c *Client) emit(e Event) {
	e.Addr, e.Time = c.addr, time.Now()
	level := slog.LevelInfo
	if e.Type == EventReconnecting {
		level = slog.LevelDebug
	}
	attrs := []slog.Attr{slog.String("addr", e.Addr)}
	if e.Attempt > 0 {
		attrs = append(attrs, slog.Int("attempt", e.Attempt))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("err", e.Err.Error()))
	}
	if e.Type == EventRebooted {
		attrs = append(attrs, slog.String("old_boot_id", e.OldBootID), slog.String("new_boot_id", e.NewBootID))
	}
	c.log.LogAttrs(context.Background(), level, "vmconn: "+e.Type.String(), attrs...)
	if c.cfg.OnEvent != nil {
		c.cfg.OnEvent(e)
	}
	c.subs.publish(e)
}
