package vmtest

import (
	"io"
	"os"
	"time"

	"golang.org/x/crypto/ssh"
)

// ptyDrain is how long output on a pty may keep coming after the command
// exits, from processes it left behind, before the pty is closed.
const ptyDrain = 100 * time.Millisecond

// runProcess streams p's I/O over ch (its input from stdin) until p
// ends and its output is copied, and returns how it ended.
func (s *Server) runProcess(ch ssh.Channel, stdin io.Reader, p *process) exitState {
	outDone := s.copyOutput(ch, p.stdout)
	errDone := s.copyOutput(ch.Stderr(), p.stderr)
	s.wg.Go(func() {
		io.Copy(p.stdin, stdin)
		p.closeStdin()
	})
	st := p.wait()
	s.procs.reaped(p.pgid)
	s.log.Debug("vmtest: exited", "pgid", p.pgid, "status", st.status, "signal", st.signal)
	if p.pty {
		// Processes left behind may hold the pty open: close it
		// after a while, as sshd does.
		waitTimeout(outDone, ptyDrain)
		p.hangup()
	}
	// Without a pty, wait for the output pipes to close, as sshd does.
	<-outDone
	<-errDone
	p.hangup()
	return st
}

// copyOutput copies from r to w in a goroutine, and returns a channel
// closed when it is done. A nil r is done at once.
func (s *Server) copyOutput(w io.Writer, r *os.File) <-chan struct{} {
	done := make(chan struct{})
	if r == nil {
		close(done)
		return done
	}
	s.wg.Go(func() {
		defer close(done)
		io.Copy(w, r)
	})
	return done
}

// waitTimeout waits until done is closed, at most d.
func waitTimeout(done <-chan struct{}, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// exitStatusMsg is the payload of an "exit-status" request.
type exitStatusMsg struct {
	Status uint32
}

// exitSignalMsg is the payload of an "exit-signal" request.
type exitSignalMsg struct {
	Signal     string
	CoreDumped bool
	Error      string
	Lang       string
}

// sendExit sends end of file, then "exit-status" or "exit-signal", then
// closes ch, as sshd does.
func sendExit(ch ssh.Channel, st exitState) {
	ch.CloseWrite()
	if st.signal != "" {
		msg := exitSignalMsg{Signal: st.signal, CoreDumped: st.core}
		ch.SendRequest("exit-signal", false, ssh.Marshal(&msg))
	} else {
		ch.SendRequest("exit-status", false, ssh.Marshal(&exitStatusMsg{Status: uint32(st.status)}))
	}
	ch.Close()
}
