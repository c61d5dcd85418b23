package vmtest

import "syscall"

// signals maps the signal names of RFC 4254 6.10 to signals.
var signals = map[string]syscall.Signal{
	"ABRT": syscall.SIGABRT,
	"ALRM": syscall.SIGALRM,
	"FPE":  syscall.SIGFPE,
	"HUP":  syscall.SIGHUP,
	"ILL":  syscall.SIGILL,
	"INT":  syscall.SIGINT,
	"KILL": syscall.SIGKILL,
	"PIPE": syscall.SIGPIPE,
	"QUIT": syscall.SIGQUIT,
	"SEGV": syscall.SIGSEGV,
	"TERM": syscall.SIGTERM,
	"USR1": syscall.SIGUSR1,
	"USR2": syscall.SIGUSR2,
}

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
