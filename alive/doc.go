// Package alive tells whether a machine is alive, and at which network
// layer it answers, without console access: a booting, a hung and a dead
// machine answer differently.
//
// Check probes three layers at once under one timeout (Options.Timeout,
// DefaultTimeout when zero) and returns a Result naming the highest layer
// that answered:
//
//   - LayerSSH: an SSH login ran a trivial command (Result.Operational),
//     or the SSH server answered but rejected the login or its host key
//     did not verify (the OS and sshd still run);
//   - LayerTCP: a port accepted or refused the connection (a refusal
//     proves the network stack runs);
//   - LayerICMP: an echo reply (firewalls often drop ICMP: silence there
//     proves little).
//
// Each probe's Outcome (Answered, Refused, AuthFailed, Degraded, Failed,
// TimedOut, Unreachable, NotPermitted, Cancelled, Skipped) is in
// Result.Layers. CheckClient asks an open *vmconn.Client's connection
// first (a keepalive round trip) and logs in anew only when that gets no
// answer; Wait polls with backoff until a layer answers, for example
// after a reboot.
//
// # Kind to sshd
//
// No probe opens a connection to the SSH port and drops it without
// logging in: OpenSSH 9.8 and later penalise a source that does
// (PerSourcePenalties "noauth": it is refused for a while), and Wait
// probes again and again. While the SSH layer is probed, the TCP layer's
// result for the SSH port is that of the SSH probe's own connect, which
// always goes on into the login; a refused connect costs sshd nothing.
// Only with NoSSH does the TCP layer connect to the SSH port itself, and
// then it closes the connection at once: a long Wait with NoSSH on an
// sshd of OpenSSH 9.8 or later can earn a penalty (leave the SSH port
// out of Ports then, or exempt the prober with PerSourcePenaltyExemptList).
//
// The package uses only the core's exported API: the SSH probe is
// vmconn.Dial to the host as written (so known_hosts is checked against
// that name) with a Config whose DialContext connects to the address
// resolved once for all the layers; CheckClient uses
// vmconn.Client.Keepalive and vmconn.Client.Config. Errors say "vmconn: "
// once, at their start, and wrap the core's sentinels (vmconn.ErrConfig,
// vmconn.ErrUnreachable, vmconn.ErrTimeout), so vmconn.Retryable answers
// for them as for the core's.
package alive
