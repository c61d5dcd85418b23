package vmtest

import (
	"os"
	"syscall"

	"github.com/creack/pty"
	"golang.org/x/crypto/ssh"
	"golang.org/x/sys/unix"
)

// ptyRequest is the payload of a "pty-req" channel request (RFC 4254 6.2).
type ptyRequest struct {
	Term    string
	Columns uint32
	Rows    uint32
	Width   uint32
	Height  uint32
	Modes   string
}

// windowChange is the payload of a "window-change" request (RFC 4254 6.7).
type windowChange struct {
	Columns uint32
	Rows    uint32
	Width   uint32
	Height  uint32
}

// parsePtyRequest decodes a "pty-req" payload.
func parsePtyRequest(payload []byte) (*ptyRequest, bool) {
	var pr ptyRequest
	if err := ssh.Unmarshal(payload, &pr); err != nil {
		return nil, false
	}
	return &pr, true
}

// startPty starts the command on a new pty, as its controlling terminal.
func (p *process) startPty(pr *ptyRequest) error {
	master, tty, err := openPty()
	if err != nil {
		return err
	}
	defer tty.Close()
	if err := setWindow(master, windowChange{pr.Columns, pr.Rows, pr.Width, pr.Height}); err != nil {
		master.Close()
		return err
	}
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = tty, tty, tty
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := p.cmd.Start(); err != nil {
		master.Close()
		return err
	}
	p.stdin, p.stdout, p.pty = master, master, true
	return nil
}

// openPty opens a pty. The master is non-blocking, so that closing it
// interrupts a pending Read: pty.Open leaves it in blocking mode.
func openPty() (master, tty *os.File, err error) {
	m, tty, err := pty.Open()
	if err != nil {
		return nil, nil, err
	}
	defer m.Close()
	fd, err := unix.FcntlInt(m.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		tty.Close()
		return nil, nil, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		tty.Close()
		return nil, nil, err
	}
	return os.NewFile(uintptr(fd), m.Name()), tty, nil
}

// setWindow sets the window size of the pty whose master is f, without
// putting f in blocking mode.
func setWindow(f *os.File, w windowChange) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	ws := &unix.Winsize{Row: uint16(w.Rows), Col: uint16(w.Columns), Xpixel: uint16(w.Width), Ypixel: uint16(w.Height)}
	var ioctlErr error
	err = rc.Control(func(fd uintptr) {
		ioctlErr = unix.IoctlSetWinsize(int(fd), unix.TIOCSWINSZ, ws)
	})
	if err != nil {
		return err
	}
	return ioctlErr
}
