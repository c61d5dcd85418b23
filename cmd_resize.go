package vmconn

import (
	"fmt"
)

// Resize tells the command's pseudo-terminal its new size, as a
// "window-change" request (RFC 4254 6.7): the remote program sees
// SIGWINCH and the new size. It needs a command started with a PTY and
// may be called from another goroutine while Wait runs, as a terminal's
// size changes. The request wants no reply, so Resize does not wait for
// the server; after the command has ended it returns an error.
func (cmd *Cmd) Resize(rows, cols int) error {
	switch {
	case cmd.PTY == nil:
		return fmt.Errorf("vmconn: Resize without a PTY: %w", ErrConfig)
	case cmd.sess == nil:
		return fmt.Errorf("vmconn: Resize before Start: %w", ErrConfig)
	case rows <= 0 || cols <= 0:
		return fmt.Errorf("vmconn: Resize to %dx%d: %w", rows, cols, ErrConfig)
	}
	if err := cmd.sess.WindowChange(rows, cols); err != nil {
		return fmt.Errorf("vmconn: window-change: %w", err)
	}
	return nil
}
