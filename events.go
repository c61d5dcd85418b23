package vmconn

import (
	"context"
	"log/slog"
	"sync"
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

// OnEvent subscribes fn to the client's connection state changes (see
// Event): lost, reconnecting, reconnected and rebooted, from now on (the
// first connection's EventConnected has passed; Config.OnEvent sees it).
// It is the hook for code that must re-establish state after a
// reconnection, such as port forwards or a shared connection; any number
// of subscribers may coexist with Config.OnEvent.
//
// Unlike Config.OnEvent, fn is not called by the goroutine that caused
// the event: each subscription has its own goroutine, which calls fn with
// the events in the order they happened, one call at a time, so fn may
// block, run commands on the client, call stop or Close the client. Events
// queue up while fn runs.
//
// The returned stop ends the subscription: once it returns, fn is not
// called again and the subscription's goroutine has ended, unless a call
// was under way: that one (which may be the caller of stop) is not waited
// for, as with context.AfterFunc's stop. stop is idempotent. Close ends
// every subscription the same way. On a closed (or zero) Client, OnEvent
// does nothing and stop is a no-op.
func (c *Client) OnEvent(fn func(Event)) (stop func()) {
	s := &subscription{fn: fn, wake: make(chan struct{}, 1), done: make(chan struct{})}
	if fn == nil || c.dialed() != nil || !c.subs.add(s) {
		return func() {}
	}
	go s.run()
	return sync.OnceFunc(func() {
		c.subs.remove(s)
		s.stop()
	})
}

// subscribers are a client's OnEvent subscriptions.
type subscribers struct {
	mu     sync.Mutex
	list   []*subscription
	closed bool
}

// add registers s unless the client is closed.
func (ss *subscribers) add(s *subscription) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		return false
	}
	ss.list = append(ss.list, s)
	return true
}

func (ss *subscribers) remove(s *subscription) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for i, x := range ss.list {
		if x == s {
			ss.list = append(ss.list[:i:i], ss.list[i+1:]...)
			return
		}
	}
}

// publish queues e for every subscription; holding the lock keeps the
// order of concurrent events the same for all.
func (ss *subscribers) publish(e Event) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for _, s := range ss.list {
		s.push(e)
	}
}

// close ends every subscription and refuses new ones.
func (ss *subscribers) close() {
	ss.mu.Lock()
	list := ss.list
	ss.list, ss.closed = nil, true
	ss.mu.Unlock()
	for _, s := range list {
		s.stop()
	}
}

// subscription is one OnEvent subscriber and its queue of events.
type subscription struct {
	fn   func(Event)
	wake chan struct{} // capacity 1: something was queued, or the end
	done chan struct{} // closed when run returns

	mu      sync.Mutex
	queue   []Event
	ended   bool
	calling bool // fn is being called
}

func (s *subscription) push(e Event) {
	s.mu.Lock()
	s.queue = append(s.queue, e)
	s.mu.Unlock()
	s.signal()
}

// stop ends the subscription and waits for its goroutine, unless fn is
// being called (perhaps by the caller of stop itself): then the
// goroutine ends when fn returns.
func (s *subscription) stop() {
	s.mu.Lock()
	s.ended, s.queue = true, nil
	calling := s.calling
	s.mu.Unlock()
	s.signal()
	if !calling {
		<-s.done
	}
}

func (s *subscription) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run calls fn with each event in turn until the subscription ends.
func (s *subscription) run() {
	defer close(s.done)
	for {
		e, ok := s.next()
		if !ok {
			return
		}
		s.fn(e)
	}
}

// next waits for the next event; ok is false once the subscription ended.
func (s *subscription) next() (e Event, ok bool) {
	for {
		s.mu.Lock()
		s.calling = false
		switch {
		case s.ended:
			s.mu.Unlock()
			return Event{}, false
		case len(s.queue) > 0:
			e, s.queue, s.calling = s.queue[0], s.queue[1:], true
			s.mu.Unlock()
			return e, true
		}
		s.mu.Unlock()
		<-s.wake
	}
}
