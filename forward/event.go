package forward

import "time"

// EventType names a forward's state change.
type EventType int

// The state changes reported through Options.OnEvent.
const (
	EventUp     EventType = iota + 1 // the forward works (again) over a connection
	EventDown                        // the connection was lost; the forward waits for a new one
	EventFailed                      // re-establishing failed (Err says why); the forward retries
	EventClosed                      // the forward ended (Close, or the client was closed)
)

// String returns the event's name: "up", "down", "failed", "closed".
func (t EventType) String() string {
	switch t {
	case EventUp:
		return "up"
	case EventDown:
		return "down"
	case EventFailed:
		return "failed"
	case EventClosed:
		return "closed"
	}
	return "unknown"
}

// Event describes one state change of a forward.
type Event struct {
	Type    EventType
	Forward string    // the forward, as Forward.String
	Time    time.Time // when it happened
	Err     error     // down, failed: why
}
