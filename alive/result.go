package vmconn

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Layer is a network layer that IsAlive probes. Layers are ordered: a
// higher layer answering implies the ones below work.
type Layer int

// The layers, lowest first. LayerNone is the verdict when nothing answered.
const (
	LayerNone Layer = iota // nothing answered
	LayerICMP              // IP: an ICMP echo reply
	LayerTCP               // transport: a TCP connect completed or was refused
	LayerSSH               // application: the SSH service answered
)

var layerNames = [...]string{"none", "icmp", "tcp", "ssh"}

// String returns "none", "icmp", "tcp" or "ssh".
func (l Layer) String() string {
	if l >= 0 && int(l) < len(layerNames) {
		return layerNames[l]
	}
	return "layer(" + strconv.Itoa(int(l)) + ")"
}

// MarshalText encodes the layer as its String.
func (l Layer) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText decodes a layer name, as ParseLayer does.
func (l *Layer) UnmarshalText(b []byte) error {
	v, err := ParseLayer(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// ParseLayer parses "none", "icmp", "tcp" or "ssh" (any case). Other
// names are an ErrConfig error.
func ParseLayer(s string) (Layer, error) {
	for i, n := range layerNames {
		if strings.EqualFold(s, n) {
			return Layer(i), nil
		}
	}
	return LayerNone, fmt.Errorf("vmconn: unknown layer %q (want ssh, tcp or icmp): %w", s, ErrConfig)
}

// Outcome is what one probe found.
type Outcome int

// The outcomes of a probe. Which of them prove the host alive depends on
// the layer: see LayerResult.Answered.
const (
	// Skipped: the probe was not run (disabled by AliveOptions).
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

// LayerResult is the outcome of one probe.
type LayerResult struct {
	Layer   Layer
	Target  string        // what was probed: "ssh/22", "tcp/443", "icmp"
	Outcome Outcome       // what the probe found
	Latency time.Duration // time from the probe's start to its outcome
	Detail  string        // a short human note, e.g. "host key unknown"
	Err     error         // the underlying error, if any
}

// Answered reports whether this probe proves the host alive at its layer:
// Answered anywhere; Refused at the TCP layer; AuthFailed and Degraded at
// the SSH layer.
func (r LayerResult) Answered() bool {
	switch r.Outcome {
	case Answered:
		return true
	case Refused:
		return r.Layer == LayerTCP
	case AuthFailed, Degraded:
		return r.Layer == LayerSSH
	}
	return false
}

// AliveResult is IsAlive's verdict.
type AliveResult struct {
	// Alive is true when any layer answered.
	Alive bool
	// Layer is the highest layer that answered, LayerNone when none did.
	Layer Layer
	// Operational is true when an SSH login ran a trivial command (or an
	// open client's keepalive was answered): the host is usable, not just
	// up.
	Operational bool
	// Addr is the IP address probed (the host name resolved once).
	Addr string
	// Layers holds every probe's result: SSH first, then each TCP port in
	// order, then ICMP.
	Layers []LayerResult
	// Elapsed is how long the verdict took.
	Elapsed time.Duration
}

// String returns the one-line summary the CLI prints: "alive: ssh",
// "alive: ssh (auth failed)", "alive: tcp (22 refused, 443 open)",
// "alive: icmp" or "down".
func (r *AliveResult) String() string {
	switch r.Layer {
	case LayerSSH:
		return "alive: ssh" + r.sshNote()
	case LayerTCP:
		return "alive: tcp (" + strings.Join(r.tcpAnswers(), ", ") + ")"
	case LayerICMP:
		return "alive: icmp"
	}
	for _, l := range r.Layers {
		if l.Layer == LayerICMP && l.Outcome == NotPermitted {
			return "down (icmp not permitted)"
		}
	}
	return "down"
}

func (r *AliveResult) sshNote() string {
	if r.Operational {
		return ""
	}
	for _, l := range r.Layers {
		if l.Layer == LayerSSH && l.Outcome == AuthFailed {
			return " (auth failed: " + l.Detail + ")"
		}
	}
	return " (not operational)"
}

// tcpAnswers lists the TCP ports that answered, as "443 open" or
// "22 refused".
func (r *AliveResult) tcpAnswers() []string {
	var out []string
	for _, l := range r.Layers {
		if l.Layer != LayerTCP || !l.Answered() {
			continue
		}
		port := strings.TrimPrefix(l.Target, "tcp/")
		if l.Outcome == Refused {
			out = append(out, port+" refused")
		} else {
			out = append(out, port+" open")
		}
	}
	return out
}
