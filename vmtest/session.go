package vmtest

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/crypto/ssh"
)

// session serves one "session" channel: it handles the channel requests
// and runs at most one command (exec, shell or the sftp subsystem).
type session struct {
	srv     *Server
	conn    *stallConn // the connection the channel came on
	ch      ssh.Channel
	ctx     context.Context // ends when the channel closes or the server closes
	env     []string        // from "env" requests, as KEY=VALUE
	pty     *ptyRequest     // from "pty-req"; nil: no pty
	started bool            // whether "exec", "shell" or "subsystem" was accepted
	sigs    chan string     // "signal" requests for a Handler's command

	mu     sync.Mutex
	proc   *process // the command's process; nil if none (yet) or faked
	closed bool     // whether the channel is closed: hang up a late process
}

// serveSession handles the requests of ch until it closes. Then, like
// sshd, it closes the command's stdin and output but does not kill it.
func (s *Server) serveSession(sc *stallConn, ch ssh.Channel, reqs <-chan *ssh.Request) {
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	ss := &session{srv: s, conn: sc, ch: ch, ctx: ctx, sigs: make(chan string, 4)}
	for req := range reqs {
		ss.handle(req)
	}
	ss.mu.Lock()
	ss.closed = true
	p := ss.proc
	ss.mu.Unlock()
	if p != nil {
		p.hangup()
	}
}

// handle answers one channel request. Subsystems other than sftp and
// unknown requests are refused.
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
		if !ss.start(req, ssh.Unmarshal(req.Payload, &p) == nil) {
			return
		}
		ss.exec(p.Command)
	case "shell":
		if ss.start(req, true) {
			ss.srv.wg.Go(func() { ss.finish(ss.runShell([]string{ss.srv.opts.Shell}, ss.ch)) })
		}
	case "subsystem":
		var p struct{ Name string }
		ok := ssh.Unmarshal(req.Payload, &p) == nil && p.Name == "sftp" && !ss.srv.opts.NoSFTP
		if ss.start(req, ok) {
			ss.srv.wg.Go(ss.serveSFTP)
		}
	default:
		reply(req, false)
	}
}

// start accepts req, which starts the session's one command, if ok and
// no command started yet; it replies and reports whether it accepted.
func (ss *session) start(req *ssh.Request, ok bool) bool {
	ok = ok && !ss.started
	ss.started = ss.started || ok
	reply(req, ok)
	return ok
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

// process returns the command's process, or nil.
func (ss *session) process() *process {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.proc
}

// setProcess records p as the command's process. Signals that came
// before it started are delivered to it now; if the channel is closed
// already, p is hung up at once, as serveSession would have.
func (ss *session) setProcess(p *process) {
	ss.mu.Lock()
	ss.proc = p
	closed := ss.closed
	var early []string
	for len(ss.sigs) > 0 {
		early = append(early, <-ss.sigs)
	}
	ss.mu.Unlock()
	for _, name := range early {
		p.signal(signals[name])
	}
	if closed {
		p.hangup()
	}
}

// resize applies a "window-change" request to the command's pty.
func (ss *session) resize(payload []byte) bool {
	var w windowChange
	if ss.pty == nil || ssh.Unmarshal(payload, &w) != nil {
		return false
	}
	p := ss.process()
	if p == nil {
		return true
	}
	return setWindow(p.stdout, w) == nil
}

// signal delivers a "signal" request to the command's process group,
// unless signals are ignored; a command answered by a Handler finds it
// in Command.Signals.
func (ss *session) signal(payload []byte) bool {
	var p struct{ Signal string }
	if ssh.Unmarshal(payload, &p) != nil {
		return false
	}
	sig, ok := signals[p.Signal]
	if !ok || !ss.started || !ss.srv.signalsHonoured() {
		return false
	}
	ss.mu.Lock()
	proc := ss.proc
	if proc == nil {
		select {
		case ss.sigs <- p.Signal:
		default:
		}
	}
	ss.mu.Unlock()
	if proc == nil {
		return true
	}
	ss.srv.log.Debug("vmtest: signal", "signal", p.Signal, "pgid", proc.pgid)
	return proc.signal(sig) == nil
}

// exec answers cmdline with the server's Handler (by default Shell) in a
// goroutine. A vmconn envelope is recorded, logged and handled as the
// command inside it.
func (ss *session) exec(cmdline string) {
	s := ss.srv
	if waiting(cmdline) {
		s.wg.Go(func() { ss.finish(ss.execWaiting()) })
		return
	}
	command := unwrap(cmdline)
	s.recordCommand(command)
	s.log.Debug("vmtest: exec", "cmd", command)
	s.wg.Go(func() {
		c := ss.newCommand(cmdline, command, ss.ch)
		ss.finish(s.handler().ServeCommand(c))
	})
}

// runShell starts argv, streams its I/O (stdin from stdin) until it
// ends, and returns how it ended. If argv cannot start, the exit status
// is 127.
func (ss *session) runShell(argv []string, stdin io.Reader) Exit {
	s := ss.srv
	p, err := s.startProcess(argv, ss.environ(), ss.pty)
	if err != nil {
		fmt.Fprintf(ss.ch.Stderr(), "vmtest: %v\n", err)
		return Exit{Status: 127}
	}
	ss.setProcess(p)
	return s.runProcess(ss.ch, stdin, p).exit()
}

// environ returns the command's environment: the server's own, the
// server's HOME and temporary directories, then the client's, then TERM
// on a pty and the boot id.
func (ss *session) environ() []string {
	env := append(os.Environ(), ss.srv.homeEnv()...)
	env = append(env, ss.env...)
	if ss.pty != nil {
		env = append(env, "TERM="+ss.pty.Term)
	}
	return append(env, BootIDEnv+"="+ss.srv.BootID(), MarkerEnv+"="+ss.srv.marker)
}
