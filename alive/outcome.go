package alive

import "strconv"

// Outcome is what one probe found.
type Outcome int

// The outcomes of a probe. Which of them prove the host alive depends on
// the layer: see LayerResult.Answered.
const (
	// Skipped: the probe was not run (disabled by Options).
	Skipped Outcome = iota
	// Answered: the layer answered: an ICMP echo reply; a completed TCP
	// connect; an SSH login that ran a trivial command (operational).
	Answered
	// Refused: the port refused the connection (a TCP reset). At the TCP
	// layer this proves the host's network stack runs; at the SSH layer
	// it means no sshd listens.
	Refused
	// AuthFailed: the SSH server answered and completed the key exchange,
	// but authentication failed or its host key did not verify. The OS
	// and sshd run: the host is alive at the SSH layer, not operational.
	AuthFailed
	// Degraded: the SSH server sent its banner but the handshake or the
	// trivial command then failed or stalled (sshd starting up, MaxStartups,
	// a machine too loaded to fork). Alive at the SSH layer, not
	// operational.
	Degraded
	// Failed: something answered but not as the layer expects (for
	// example a port that speaks another protocol or resets after the
	// connect); see Err. The layer did not answer.
	Failed
	// TimedOut: no answer before the timeout.
	TimedOut
	// Unreachable: the network reported the host unreachable (no route,
	// no neighbour); the host itself did not answer.
	Unreachable
	// NotPermitted: this process may not send the probe (no raw socket and
	// no unprivileged ICMP socket allowed, or a local firewall rule). Says
	// nothing about the host.
	NotPermitted
	// Cancelled: the probe was stopped because the verdict was already
	// known (or the caller's context was cancelled).
	Cancelled
)

var outcomeNames = [...]string{
	"skipped", "answered", "refused", "auth-failed", "degraded", "failed",
	"timed-out", "unreachable", "not-permitted", "cancelled",
}

// String returns the outcome's name, e.g. "timed-out".
func (o Outcome) String() string {
	if o >= 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// MarshalText encodes the outcome as its String.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }
