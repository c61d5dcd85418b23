package vmtest

import "golang.org/x/crypto/ssh"

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
	p.cmd.SysProcAttr = ttySessionAttr()
	if err := p.cmd.Start(); err != nil {
		master.Close()
		return err
	}
	p.stdin, p.stdout, p.pty = master, master, true
	return nil
}
