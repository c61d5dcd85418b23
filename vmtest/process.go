package vmtest

import (
	"errors"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
)

// process is a command started by the server, in its own session and
// process group.
type process struct {
	cmd    *exec.Cmd
	pgid   int
	stdin  *os.File // write end of the stdin pipe, or the pty master
	stdout *os.File // read end of the stdout pipe, or the pty master
	stderr *os.File // read end of the stderr pipe; nil on a pty
	pty    bool
	once   sync.Once
	reaped atomic.Bool // whether wait reaped the group leader
}

// startProcess starts argv with env in its own session: on a pty if pr is
// not nil, else on pipes. It registers the process group with the server.
func (s *Server) startProcess(argv, env []string, pr *ptyRequest) (*process, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Dir = s.home
	p := &process{cmd: cmd}
	var err error
	if pr != nil {
		err = p.startPty(pr)
	} else {
		err = p.startPipes()
	}
	if err != nil {
		return nil, err
	}
	p.pgid = cmd.Process.Pid
	if !s.procs.add(p.pgid) {
		p.signal(syscall.SIGKILL)
		p.wait()
		p.hangup()
		return nil, errClosed
	}
	return p, nil
}

// startPipes starts the command with a pipe for each of stdin, stdout and
// stderr.
func (p *process) startPipes() error {
	var parent, child [3]*os.File
	for i := range 3 {
		r, w, err := os.Pipe()
		if err != nil {
			closeFiles(parent[:]...)
			closeFiles(child[:]...)
			return err
		}
		if i == 0 {
			child[i], parent[i] = r, w
		} else {
			parent[i], child[i] = r, w
		}
	}
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = child[0], child[1], child[2]
	p.cmd.SysProcAttr = sessionAttr()
	err := p.cmd.Start()
	closeFiles(child[:]...)
	if err != nil {
		closeFiles(parent[:]...)
		return err
	}
	p.stdin, p.stdout, p.stderr = parent[0], parent[1], parent[2]
	return nil
}

// closeFiles closes the non-nil files.
func closeFiles(files ...*os.File) {
	for _, f := range files {
		if f != nil {
			f.Close()
		}
	}
}

// signal sends sig to the process group. Once the leader is reaped, a
// live process with pid == pgid means the id was reused: it is spared.
func (p *process) signal(sig syscall.Signal) error {
	if p.reaped.Load() && !pidGone(p.pgid) {
		return syscall.ESRCH
	}
	return killGroup(p.pgid, sig)
}

// closeStdin gives the command end of file on stdin. On a pty it does
// nothing, as with sshd.
func (p *process) closeStdin() {
	if !p.pty {
		p.stdin.Close()
	}
}

// hangup closes the server's ends of the command's stdin and output: its
// reads see end of file, its writes fail with EPIPE (SIGPIPE), and on a
// pty it gets SIGHUP. It does not kill the command.
func (p *process) hangup() {
	p.once.Do(func() { closeFiles(p.stdin, p.stdout, p.stderr) })
}

// exitState is how a command ended.
type exitState struct {
	status int    // exit status, if signal is empty
	signal string // name of the killing signal without "SIG", or empty
	core   bool   // whether a core was dumped
}

// wait waits for the command to end and reaps it.
func (p *process) wait() exitState {
	err := p.cmd.Wait()
	p.reaped.Store(true)
	ps := p.cmd.ProcessState
	if ps == nil {
		return exitState{status: 255}
	}
	ws, ok := ps.Sys().(syscall.WaitStatus)
	var exitErr *exec.ExitError
	switch {
	case ok && ws.Signaled():
		return exitState{signal: signalName(ws.Signal()), core: ws.CoreDump()}
	case err == nil || errors.As(err, &exitErr):
		return exitState{status: ps.ExitCode()}
	}
	return exitState{status: 255}
}
