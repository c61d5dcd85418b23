package vmtest

import "syscall"

// signalName returns the RFC 4254 name of sig, or "SIG@openssh.com", as
// sshd does, for a signal the RFC does not name.
func signalName(sig syscall.Signal) string {
	for name, s := range signals {
		if s == sig {
			return name
		}
	}
	return "SIG@openssh.com"
}

// SetSignalsIgnored makes the server ignore (on) or honour (off) SSH
// "signal" requests, to test clients that must stop a remote command some
// other way, as with sshd before OpenSSH 7.9.
func (s *Server) SetSignalsIgnored(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.signalsIgnored = on
}

// signalsHonoured reports whether "signal" requests are delivered.
func (s *Server) signalsHonoured() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.signalsIgnored
}
