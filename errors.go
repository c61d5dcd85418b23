package vmconn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/vmconn/vmconn/internal/errutil"
)

// Sentinel errors, tested with errors.Is. Each says whether trying the
// same thing again can help, and Retryable answers the same. Which
// sentinels an error wraps is documented where it is returned; see the
// package documentation's "Errors" section for the full list.
var (
	// ErrConfig: the caller's input is wrong (malformed host, port out of
	// range, unreadable or malformed key file, wrong passphrase). Never
	// retryable.
	ErrConfig = newSentinel("invalid configuration", false)

	// ErrAuth: the server rejected every authentication method offered,
	// or cut the login short after too many failed attempts (OpenSSH's
	// MaxAuthTries: "Too many authentication failures"). Never
	// retryable: the same credentials fail the same way.
	ErrAuth = newSentinel("authentication failed", false)

	// ErrHostKeyUnknown: the server's host key is not in known_hosts (and
	// the mode is strict). Never retryable; add the key or use
	// HostKeyAcceptNew.
	ErrHostKeyUnknown = newSentinel("host key unknown", false)

	// ErrHostKeyChanged: known_hosts holds a different key for this host,
	// which may be an attack. Never retryable.
	ErrHostKeyChanged = newSentinel("host key changed", false)

	// ErrHostKeyRevoked: the server's host key is marked @revoked in
	// known_hosts. Never retryable.
	ErrHostKeyRevoked = newSentinel("host key revoked", false)

	// ErrUnreachable: the TCP connection could not be made (refused, no
	// route, name not resolved). Retryable: the host or sshd may come back.
	ErrUnreachable = newSentinel("host unreachable", true)

	// ErrTimeout: vmconn's own bound passed: Config.ConnectTimeout before
	// the connection and handshake completed, Config.ReconnectTimeout, or
	// a keepalive reply. Never the caller's context: its deadline is
	// context.DeadlineExceeded. Retryable.
	ErrTimeout = newSentinel("timed out", true)

	// ErrHandshake: something answered but the SSH protocol handshake
	// failed (not an SSH server, garbage instead of a banner, connection
	// closed during key exchange). Retryable: sshd refuses handshakes
	// while it starts up or when MaxStartups is exceeded.
	ErrHandshake = newSentinel("ssh handshake failed", true)

	// ErrConnLost: an established connection died (keepalive replies
	// missed, link reset, server gone). Retryable by reconnecting, but a
	// command that was running is not re-run: its outcome is unknown.
	ErrConnLost = newSentinel("connection lost", true)

	// ErrNoExitStatus: the command's channel closed without an exit status
	// or exit signal, which is how a killed sshd or a reboot mid-command
	// shows. Its outcome is unknown; not retried automatically. It has no
	// verdict of its own: it comes with ErrConnLost (retryable) when the
	// connection is gone, with ErrClosed (not) when the Client was closed,
	// and alone (not retryable) when the connection is still up.
	ErrNoExitStatus = errors.New("command ended without exit status")

	// ErrClosed: the Client was closed by its owner. Not retryable.
	ErrClosed = newSentinel("client closed", false)
)

// sentinel is the type of the sentinel errors that carry a verdict for
// Retryable.
type sentinel struct {
	msg   string
	retry bool
}

// newSentinel returns a sentinel error that Retryable answers retry for.
func newSentinel(msg string, retry bool) error { return &sentinel{msg: msg, retry: retry} }

func (e *sentinel) Error() string { return e.msg }

// Retryable reports whether trying again can help.
func (e *sentinel) Retryable() bool { return e.retry }

// Retryable reports whether an operation that failed with err may succeed
// when tried again later (after a reconnect). The first error in err's
// chain (outermost first) that has a method Retryable() bool decides:
// vmconn's sentinels and error types have one, and errors of other
// packages may too. An error with none in its chain is not retryable:
// authentication, host-key and configuration failures, a reboot, a
// closed Client, a cancelled context or the caller's deadline.
func Retryable(err error) bool {
	var r interface{ Retryable() bool }
	return errors.As(err, &r) && r.Retryable()
}

// OpError is the error type of every failed network operation, like
// *net.OpError: it names the operation and the address, and wraps one of
// the sentinel errors (or the end of the caller's context) and the
// underlying cause.
type OpError struct {
	Op   string // "dial", "handshake", "session", "keepalive", "run"
	Addr string // host:port
	Err  error  // classified error; errors.Is finds the sentinel and the cause
}

func (e *OpError) Error() string {
	return errPrefix + e.Op + " " + e.Addr + ": " + bareText(e.Err)
}

// Unwrap returns the wrapped error.
func (e *OpError) Unwrap() error { return e.Err }

// Timeout reports whether the error is a timeout.
func (e *OpError) Timeout() bool { return errors.Is(e.Err, ErrTimeout) }

// ExitError reports a remote command that ended with a non-zero exit status
// or was killed by a signal.
type ExitError struct {
	Status int    // exit status; for a signal, 128+its number as a shell reports it
	Signal string // signal name without "SIG" (e.g. "KILL"), or ""
	Msg    string // the server's message for the signal, if any
	Stderr []byte // start of the command's stderr, filled by Cmd.Output; its last KiB ends Error's message
}

func (e *ExitError) Error() string {
	if e.Signal != "" {
		s := "vmconn: command killed by signal " + e.Signal
		if e.Msg != "" {
			s += " (" + e.Msg + ")"
		}
		return withStderr(s, e.Stderr)
	}
	return withStderr(fmt.Sprintf("vmconn: command exited with status %d", e.Status), e.Stderr)
}

// withStderr appends the tail of a captured stderr to msg.
func withStderr(msg string, stderr []byte) string {
	if t := stderrTail(stderr); t != "" {
		return msg + ": stderr: " + t
	}
	return msg
}

// ExitCode returns the exit status (128+signal number for a signal).
func (e *ExitError) ExitCode() int { return e.Status }

// Retryable reports false: the command ran; whether to run it again is
// the caller's call, even if the connection was lost afterwards.
func (e *ExitError) Retryable() bool { return false }

// HostKeyError reports a host key that could not be verified. It wraps
// ErrHostKeyUnknown, ErrHostKeyChanged or ErrHostKeyRevoked.
type HostKeyError struct {
	Addr        string   // host:port that was dialled
	KeyType     string   // type of the key the server presented
	Fingerprint string   // SHA256 fingerprint of the presented key (of a certificate's key)
	Want        []string // known_hosts lines' fingerprints (changed key), or the @revoked line
	Reason      string   // why a host certificate was refused ("cert has expired", ...), or ""
	Err         error    // ErrHostKeyUnknown, ErrHostKeyChanged or ErrHostKeyRevoked
}

func (e *HostKeyError) Error() string {
	s := e.Err.Error() + " for " + e.Addr + ": server offered " + e.KeyType + " " + e.Fingerprint
	if len(e.Want) > 0 {
		s += ", known_hosts has " + strings.Join(e.Want, ", ")
	}
	if e.Reason != "" {
		s += ": host certificate refused: " + e.Reason
	}
	return s
}

// Unwrap returns ErrHostKeyUnknown, ErrHostKeyChanged or ErrHostKeyRevoked.
func (e *HostKeyError) Unwrap() error { return e.Err }

// classed joins a sentinel class and a cause so that errors.Is finds both.
func classed(class, cause error) error {
	if cause == nil {
		return class
	}
	return fmt.Errorf("%w: %w", class, cause)
}

// errPrefix starts every error message of vmconn, once: at the outermost
// error. Errors that wrap others render them with bareText. The rules
// live in internal/errutil, shared with the feature packages.
const errPrefix = errutil.Prefix

// bareText returns err's message without errPrefix, its own or that of
// any error it wraps (errutil.BareAll).
func bareText(err error) string { return errutil.BareAll(err) }

// errorf is fmt.Errorf for vmconn's errors: format has no prefix; the
// message gets errPrefix once, even when an error it wraps has its own.
func errorf(format string, args ...any) error { return errutil.Errorf(format, args...) }

// maxStderrTail bounds how much of a command's captured stderr an
// ExitError's message carries.
const maxStderrTail = 1 << 10

// stderrTail returns the end of stderr for an error message: at most
// maxStderrTail bytes (starting "..." when cut), its lines trimmed and
// joined with " | " so that the message stays on one line.
func stderrTail(stderr []byte) string {
	s := strings.TrimSpace(string(stderr))
	prefix := ""
	if len(s) > maxStderrTail {
		s, prefix = strings.ToValidUTF8(s[len(s)-maxStderrTail:], ""), "..."
	}
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return prefix + strings.Join(lines, " | ")
}

// timeoutError ends a context bounded by one of vmconn's own timeouts
// (Config.ConnectTimeout, Config.ReconnectTimeout), so that its end reads
// as that timeout, "connect timeout (15s)", and wraps ErrTimeout; the
// caller's own deadline stays context.DeadlineExceeded.
type timeoutError struct {
	what string // "connect timeout"
	d    time.Duration
}

func (e *timeoutError) Error() string { return fmt.Sprintf("%s (%v)", e.what, e.d) }

// Unwrap returns ErrTimeout.
func (e *timeoutError) Unwrap() error { return ErrTimeout }

// Timeout reports true, as net errors do for a timeout.
func (e *timeoutError) Timeout() bool { return true }

// withTimeout bounds ctx by one of vmconn's own timeouts, named what.
func withTimeout(ctx context.Context, what string, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, d, &timeoutError{what: what, d: d})
}

// contextError reports the end of ctx: the caller's cancel or deadline
// (context.Canceled, context.DeadlineExceeded, with the caller's cause if
// one was given), or one of vmconn's own timeouts (ErrTimeout). cause,
// what the operation last failed with, is kept in the message when it
// says more than the ending itself (a closed connection or a passed
// deadline does not); it is not wrapped, so it cannot change the class.
func contextError(ctx context.Context, cause error) error {
	why := contextEnd(ctx)
	switch {
	case why == nil:
		return cause
	case cause == nil || errors.Is(cause, net.ErrClosed) || errors.Is(cause, os.ErrDeadlineExceeded) ||
		errors.Is(cause, context.Canceled) || errors.Is(cause, context.DeadlineExceeded):
		return why
	}
	return fmt.Errorf("%w (last: %s)", why, bareText(cause))
}

// contextEnd returns why ctx ended, or nil while it has not.
func contextEnd(ctx context.Context) error {
	err, why := ctx.Err(), context.Cause(ctx)
	var te *timeoutError
	switch {
	case err == nil:
		return nil
	case why == nil || errors.Is(why, err) || errors.As(why, &te):
		return why
	}
	return fmt.Errorf("%w: %w", err, why) // the caller's own cause
}

// ctxEnded reports whether err is ctx's end: ctx is done, or err is the
// timeout of a net deadline set from ctx's deadline, which can fire a
// moment before ctx's own timer (then it waits for that timer).
func ctxEnded(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	if !ok || !isTimeout(err) || time.Now().Before(dl) {
		return false
	}
	<-ctx.Done()
	return true
}
