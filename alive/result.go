package alive

import (
	"strings"
	"time"
)

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

// Result is the verdict of Check, CheckClient and Wait.
type Result struct {
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
func (r *Result) String() string {
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

func (r *Result) sshNote() string {
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
func (r *Result) tcpAnswers() []string {
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
