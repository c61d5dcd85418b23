package vmconn

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/crypto/ssh"
)

// ErrNotStopped: a cancelled command's remote processes could not be
// confirmed gone (the kill session was refused or got no answer, the
// connection was lost, or processes survived SIGKILL; for a Raw command,
// its session had to be closed). They may still be running. Not
// retryable; find them by their MarkerEnv value on the machine.
var ErrNotStopped = errors.New("the remote processes could not be confirmed gone")

// markedGoneScript exits 0 once no process holds the marker in its
// environment, waiting up to about a second for killed processes to go;
// else it exits 1 (3 when grep cannot search NUL-separated data, which
// would find nothing: no confirmation then).
func markedGoneScript(token string) string {
	return fmt.Sprintf(`printf 'x\0' | grep -qzx x || exit 3; `+
		`i=0; while grep -qlzx %s /proc/[0-9]*/environ 2>/dev/null; do `+
		`i=$((i+1)); [ $i -gt 20 ] && exit 1; sleep 0.05; done`, ShellQuote(MarkerEnv+"="+token))
}

// sessionOn opens a session on cn itself, not holding a client slot (the
// command being stopped holds one), asking again while the server refuses
// for lack of slots, until ctx ends.
func (c *Client) sessionOn(ctx context.Context, cn *conn) (*session, error) {
	wait := slotWait{limit: c.cfg.sessionWait()}
	for {
		if !cn.alive() {
			return nil, c.opError("session", cn.err)
		}
		s, err := c.newSession(ctx, cn)
		switch {
		case err == nil:
			return &session{Session: s, cn: cn, release: func() {}}, nil
		case sessionRefused(err) != nil:
			if werr := wait.next(ctx, sessionRefused(err)); werr != nil {
				return nil, c.opError("session", werr)
			}
		default:
			return nil, err
		}
	}
}

// killFromSpareConn kills the marked processes from a new connection of
// its own, closed afterwards, bounded by the connect timeout (dial and
// kill together): a server at its MaxSessions limit counts sessions per
// connection. It is not tried once the client is closed.
func (c *Client) killFromSpareConn(ctx context.Context, marker string) bool {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.connectTimeout())
	defer cancel()
	cn, err := c.dialConn(ctx)
	if err != nil {
		c.log.Debug("vmconn: cannot connect to kill the command", "err", err)
		return false
	}
	defer cn.close(ErrClosed)
	return c.killMarked(ctx, cn, marker, ssh.SIGKILL)
}
