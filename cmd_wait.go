package vmconn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Wait waits for the command started by Start to finish and returns its
// result, as Run does. When the context ends first, Wait stops the remote
// command (see Client.Command) and returns within about WaitDelay, or
// later when the kill must be retried (ErrNotStopped if it fails).
func (cmd *Cmd) Wait() error {
	if cmd.sess == nil {
		return errors.New("vmconn: Wait without Start")
	}
	if cmd.finished {
		return errors.New("vmconn: Wait called twice")
	}
	cmd.finished = true
	var err error
	select {
	case werr := <-cmd.waitCh:
		err = cmd.result(werr)
	case <-cmd.ctx.Done():
		err = cmd.interrupt()
	}
	cmd.sess.Close()
	cmd.sess.release()
	cmd.client.prepareWarm()
	if cmd.sudo != nil {
		err = cmd.sudo.result(err)
	}
	if cmd.RebootGuard {
		return cmd.checkReboot(err)
	}
	return err
}

// checkReboot compares the boot id with the one read before Start.
func (cmd *Cmd) checkReboot(runErr error) error {
	ctx := cmd.ctx
	if ctx.Err() != nil { // cancelled: still find out, within a bound
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), cmd.client.cfg.connectTimeout())
		defer cancel()
	}
	after, err := cmd.client.BootID(ctx)
	if err != nil {
		return guardReadFailed(err, "after", runErr)
	}
	cmd.bootAfter = after
	if after == cmd.bootBefore {
		return runErr
	}
	cmd.client.rebooted(cmd.bootBefore, after)
	return &RebootError{Addr: cmd.client.addr, OldBootID: cmd.bootBefore, NewBootID: after, NoticedAt: time.Now(), Err: runErr}
}

// ExitCode returns the exit status after Wait: 0 for success, 128+n for
// signal n, and -1 when the command has not finished or ended without
// an exit status.
func (cmd *Cmd) ExitCode() int { return cmd.exitCode }

// result turns the session's outcome into vmconn's errors.
func (cmd *Cmd) result(err error) error {
	var ee *ssh.ExitError
	switch {
	case err == nil:
		cmd.exitCode = 0
		return nil
	case errors.As(err, &ee):
		cmd.exitCode = ee.ExitStatus()
		return &ExitError{Status: ee.ExitStatus(), Signal: ee.Signal(), Msg: ee.Msg()}
	}
	switch lost := cmd.sess.cn.probe(cmd.probeTimeout()); {
	case errors.Is(lost, ErrTimeout): // no reply: the link is dead or stalled
		return cmd.client.opError("run", fmt.Errorf("%w: %w (%w)", ErrConnLost, ErrNoExitStatus, lost))
	case lost != nil: // the connection ended (lost or closed)
		return cmd.client.opError("run", fmt.Errorf("%w (%w)", ErrNoExitStatus, lost))
	}
	var missing *ssh.ExitMissingError
	if errors.As(err, &missing) {
		return cmd.client.opError("run", ErrNoExitStatus)
	}
	return cmd.client.opError("run", err) // an error writing to Stdout/Stderr
}

// probeTimeout bounds the check, after a command ended without an exit
// status, of whether the connection itself is gone.
func (cmd *Cmd) probeTimeout() time.Duration { return probeTimeout(cmd.sess.cn) }

// probeTimeout bounds one check of whether cn still answers.
func probeTimeout(cn *conn) time.Duration {
	if d := cn.keepaliveInterval; d > 0 && d < 5*time.Second {
		return d
	}
	return 5 * time.Second
}

// interrupt stops a command whose context ended: it sends the cancel
// signal over SSH and to the remote process group (from a second session,
// for servers that ignore SSH signals); if the command survives WaitDelay,
// it does the same with SIGKILL, and then closes the session. Unless the
// remote processes are confirmed gone (killMarked's check, retried once
// the command's own session has closed and freed its server slot), the
// error wraps ErrNotStopped.
func (cmd *Cmd) interrupt() error {
	sig := cmd.CancelSignal
	switch {
	case sig == "" && cmd.Sudo != nil:
		sig = ssh.SIGTERM // sudo relays it, not SIGKILL
	case sig == "":
		sig = ssh.SIGKILL
	}
	delay := cmd.WaitDelay
	if delay <= 0 {
		delay = DefaultWaitDelay
	}
	kills := []<-chan bool{cmd.signal(sig, delay)}
	ended, _ := cmd.waitFor(delay)
	if !ended && sig != ssh.SIGKILL {
		kills = append(kills, cmd.signal(ssh.SIGKILL, delay))
		ended, _ = cmd.waitFor(delay)
	}
	if !ended {
		cmd.sess.Close()
		_, _ = cmd.waitFor(delay) // a dead link may not even confirm the close
	}
	// ExitCode stays -1: the command did not finish, it was stopped.
	if !cmd.stopped(ended, kills, delay) {
		return errorf("run %s: cancelled (%w), but %w", cmd.client.addr, contextError(cmd.ctx, nil), ErrNotStopped)
	}
	return errorf("run %s: command stopped: %w", cmd.client.addr, contextError(cmd.ctx, nil))
}

// stopped reports whether the command's remote processes are known to be
// gone: a kill of the marked processes confirmed it, or, for a Raw
// command, which has no marker, its session ended by itself. If no kill
// confirmed it, the kill is run again now that the command's session is
// closed (its server slot may be free), then from a connection of its own
// (sshd keeps the slot of a session whose process still runs).
func (cmd *Cmd) stopped(ended bool, kills []<-chan bool, delay time.Duration) bool {
	if cmd.marker == "" {
		return ended
	}
	confirmed := false
	for _, k := range kills {
		confirmed = <-k || confirmed // each is bounded by delay
	}
	if confirmed {
		return true
	}
	c := cmd.client
	c.log.Debug("vmconn: cancelled command not confirmed gone; killing it again")
	if ended { // else sshd keeps the session's slot while its process runs
		ctx, cancel := context.WithTimeout(context.WithoutCancel(cmd.ctx), delay)
		defer cancel()
		if c.killMarked(ctx, cmd.sess.cn, cmd.marker, ssh.SIGKILL) {
			return true
		}
	}
	if !cmd.sess.cn.alive() { // the link is gone: a spare connection would wait out the connect timeout
		return false
	}
	return c.killFromSpareConn(context.WithoutCancel(cmd.ctx), cmd.marker)
}

// signal sends sig over SSH and, unless Raw, to every marked process; the
// channel says whether those are confirmed gone (false when Raw).
func (cmd *Cmd) signal(sig ssh.Signal, delay time.Duration) <-chan bool {
	_ = cmd.sess.Signal(sig)
	res := make(chan bool, 1)
	if cmd.marker == "" {
		res <- false
		return res
	}
	cn := cmd.sess.cn
	if !cn.add(1) {
		res <- false // closing: the session ends with the connection
		return res
	}
	go func() { // in the background, bounded by delay, joined by the connection
		defer cn.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), delay)
		defer cancel()
		res <- cmd.client.killMarked(ctx, cn, cmd.marker, sig)
	}()
	return res
}

// waitFor waits up to d for the session to end.
func (cmd *Cmd) waitFor(d time.Duration) (ended bool, err error) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case err = <-cmd.waitCh:
		return true, err
	case <-timer.C:
		return false, nil
	}
}

// killMarked kills the marked processes and their groups with sig from a
// new session on cn (waiting, within ctx, for the server to grant one)
// and reports whether none was left afterwards.
func (c *Client) killMarked(ctx context.Context, cn *conn, marker string, sig ssh.Signal) bool {
	s, err := c.sessionOn(ctx, cn)
	if err != nil {
		c.log.Debug("vmconn: cannot open a session to kill the command", "err", err)
		return false
	}
	defer s.Close()
	line := killMarkedScript(marker, sig)
	err = s.request(ctx, func() error { return s.Run(line) }, nil)
	return err == nil
}

// Output runs the command and returns its standard output. If the
// command fails with an *ExitError and Stderr was nil, the error's Stderr
// holds the (first 64 KiB of the) command's standard error.
func (cmd *Cmd) Output() ([]byte, error) {
	if cmd.Stdout != nil {
		return nil, errors.New("vmconn: Stdout already set")
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	var errBuf *cappedBuffer
	if cmd.Stderr == nil {
		errBuf = &cappedBuffer{max: 64 << 10}
		cmd.Stderr = errBuf
	}
	err := cmd.Run()
	var ee *ExitError
	if errBuf != nil && errors.As(err, &ee) {
		ee.Stderr = errBuf.Bytes()
	}
	return out.Bytes(), err
}

// CombinedOutput runs the command and returns its standard output and
// standard error together, in the order they arrived.
func (cmd *Cmd) CombinedOutput() ([]byte, error) {
	if cmd.Stdout != nil || cmd.Stderr != nil {
		return nil, errors.New("vmconn: Stdout or Stderr already set")
	}
	var b syncBuffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	return b.Bytes(), err
}

// syncBuffer is a bytes.Buffer safe for two writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Bytes()
}

// ErrNotStopped: a cancelled command's remote processes could not be
// confirmed gone (the kill session was refused or got no answer, the
// connection was lost, or processes survived SIGKILL; for a Raw command,
// its session had to be closed). They may still be running. Not
// retryable; find them by their MarkerEnv value on the machine.
var ErrNotStopped = errors.New("the remote processes could not be confirmed gone")

// markedGoneScript exits 0 once no process is marked (see markedScan), waiting up to about a second for killed processes to go;
// else it exits 1 (3 when grep cannot search NUL-separated data, which
// would find nothing: no confirmation then).
func markedGoneScript(token string) string {
	return fmt.Sprintf(`printf 'x\0' | grep -qzx x || exit 3; `+
		`i=0; while %s; do `+
		`i=$((i+1)); [ $i -gt 20 ] && exit 1; sleep 0.05; done`, markedScan(token, "q"))
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
