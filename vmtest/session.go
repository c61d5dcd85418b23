package vmtest

import (
	"fmt"
	"os"

	"golang.org/x/crypto/ssh"
)

// session serves one "session" channel: it handles the channel requests
// and runs at most one command.
type session struct {
	srv     *Server
	ch      ssh.Channel
	env     []string    // from "env" requests, as KEY=VALUE
	pty     *ptyRequest // from "pty-req"; nil: no pty
	started bool        // whether "exec" or "shell" was accepted
	proc    *process    // the command; nil if none or intercepted
}

// serveSession handles the requests of ch until it closes. Then, like
// sshd, it closes the command's stdin and output but does not kill it.
func (s *Server) serveSession(ch ssh.Channel, reqs <-chan *ssh.Request) {
	ss := &session{srv: s, ch: ch}
	for req := range reqs {
		ss.handle(req)
	}
	if ss.proc != nil {
		ss.proc.hangup()
	}
}

// handle answers one channel request. Subsystems and unknown requests are
// refused.
func (ss *session) handle(req *ssh.Request) {
	switch req.Type {
	case "env":
		reply(req, ss.setEnv(req.Payload))
	case "pty-req":
		reply(req, ss.setPty(req.Payload))
	case "window-change":
		reply(req, ss.resize(req.Payload))
	case "signal":
		reply(req, ss.signal(req.Payload))
	case "exec":
		var p struct{ Command string }
		if ss.started || ssh.Unmarshal(req.Payload, &p) != nil {
			reply(req, false)
			return
		}
		ss.started = true
		reply(req, true)
		ss.exec(p.Command)
	case "shell":
		if ss.started {
			reply(req, false)
			return
		}
		ss.started = true
		reply(req, true)
		ss.run([]string{ss.srv.opts.Shell})
	default:
		reply(req, false)
	}
}

// reply answers req if the client wants an answer.
func reply(req *ssh.Request, ok bool) {
	if req.WantReply {
		req.Reply(ok, nil)
	}
}

// setEnv records an "env" request; the server accepts every variable.
func (ss *session) setEnv(payload []byte) bool {
	var kv struct{ Name, Value string }
	if ss.started || ssh.Unmarshal(payload, &kv) != nil {
		return false
	}
	ss.env = append(ss.env, kv.Name+"="+kv.Value)
	return true
}

// setPty records a "pty-req" request.
func (ss *session) setPty(payload []byte) bool {
	pr, ok := parsePtyRequest(payload)
	if ss.started || ss.pty != nil || !ok {
		return false
	}
	ss.pty = pr
	return true
}

// resize applies a "window-change" request to the command's pty.
func (ss *session) resize(payload []byte) bool {
	var w windowChange
	if ss.pty == nil || ssh.Unmarshal(payload, &w) != nil {
		return false
	}
	if ss.proc == nil {
		return true
	}
	return setWindow(ss.proc.stdout, w) == nil
}

// signal delivers a "signal" request to the command's process group,
// unless signals are ignored.
func (ss *session) signal(payload []byte) bool {
	var p struct{ Signal string }
	if ssh.Unmarshal(payload, &p) != nil {
		return false
	}
	sig, ok := signals[p.Signal]
	if !ok || ss.proc == nil || !ss.srv.signalsHonoured() {
		return false
	}
	ss.srv.log.Debug("vmtest: signal", "signal", p.Signal, "pgid", ss.proc.pgid)
	return ss.proc.signal(sig) == nil
}

// exec runs cmdline, or its fake if it is intercepted. A vmconn envelope
// is recorded, logged and matched as the command inside it, and run as
// sent.
func (ss *session) exec(cmdline string) {
	s := ss.srv
	command := unwrap(cmdline)
	s.recordCommand(command)
	if fake := intercept(command); fake != nil {
		s.log.Debug("vmtest: exec intercepted", "cmd", command)
		s.wg.Go(func() { s.runFake(ss.ch, fake, command) })
		return
	}
	s.log.Debug("vmtest: exec", "cmd", command)
	ss.run([]string{s.opts.Shell, "-c", cmdline})
}

// run starts argv and a goroutine that streams its I/O and reports its
// exit. If argv cannot start, the client gets exit status 127.
func (ss *session) run(argv []string) {
	s := ss.srv
	p, err := s.startProcess(argv, ss.environ(), ss.pty)
	if err != nil {
		fmt.Fprintf(ss.ch.Stderr(), "vmtest: %v\n", err)
		sendExit(ss.ch, exitState{status: 127})
		return
	}
	ss.proc = p
	s.wg.Go(func() { s.runProcess(ss.ch, p) })
}

// environ returns the command's environment: the server's own, then the
// client's, then TERM on a pty and the boot id.
func (ss *session) environ() []string {
	env := append(os.Environ(), ss.env...)
	if ss.pty != nil {
		env = append(env, "TERM="+ss.pty.Term)
	}
	return append(env, BootIDEnv+"="+ss.srv.BootID(), MarkerEnv+"="+ss.srv.marker)
}
