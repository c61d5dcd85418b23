package vmtest

// Exit is how a command answered by a Handler ends. The zero value is
// exit status 0.
type Exit struct {
	// Status is the exit status sent, unless Signal or Fault says
	// otherwise.
	Status int

	// Signal, if set, is the name of the signal that "killed" the command
	// ("TERM", "KILL", ... as in RFC 4254): the client gets exit-signal
	// and no exit status.
	Signal string

	// Fault, if set, replaces the exit status with a fault.
	Fault Fault

	core bool // a core was dumped (Shell only)
}

// A Fault is a way for a command to end without a plain exit status.
type Fault int

const (
	// NoFault ends the command with its exit status or signal.
	NoFault Fault = iota

	// Hang answers nothing more: the command ends only when the client
	// closes the channel or the connection ends (no exit status), or
	// when the client sends a signal (exit-signal with its name).
	Hang

	// NoExitStatus closes the channel without an exit status or signal,
	// as sshd does when it loses track of a command: vmconn reports
	// ErrNoExitStatus.
	NoExitStatus

	// DropConnection cuts the command's connection abruptly, as a broken
	// link does (see Server.DropConnections; other connections live on).
	DropConnection

	// RebootMachine reboots the fake machine (Server.Reboot): every
	// connection drops and the boot id changes.
	RebootMachine

	// StallServer stalls the server (Server.Stall(true)) before the exit
	// status goes out: the client hears nothing more until the test calls
	// Stall(false).
	StallServer
)

// finish ends the session's command as e says, and closes the channel.
func (ss *session) finish(e Exit) {
	switch e.Fault {
	case Hang:
		select {
		case <-ss.ctx.Done():
		case sig := <-ss.sigs:
			sendExit(ss.ch, exitState{signal: sig})
			return
		}
	case DropConnection:
		ss.conn.Close()
		return
	case RebootMachine:
		ss.srv.Reboot()
		return
	case StallServer:
		ss.srv.Stall(true)
	}
	if e.Fault == Hang || e.Fault == NoExitStatus {
		ss.ch.CloseWrite()
		ss.ch.Close()
		return
	}
	sendExit(ss.ch, exitState{status: e.Status, signal: e.Signal, core: e.core})
}

// exit converts a process's end into an Exit.
func (st exitState) exit() Exit {
	return Exit{Status: st.status, Signal: st.signal, core: st.core}
}
