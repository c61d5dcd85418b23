package vmconn

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error vmconn returns for a connection or a command
// wraps at most one of them; test with errors.Is. Each says whether trying
// the same thing again can help (see also Retryable).
var (
	// ErrConfig: the caller's input is wrong (malformed host, port out of
	// range, unreadable or malformed key file, wrong passphrase). Never
	// retryable.
	ErrConfig = errors.New("invalid configuration")

	// ErrAuth: the server rejected every authentication method offered.
	// Never retryable: the same credentials fail the same way.
	ErrAuth = errors.New("authentication failed")

	// ErrHostKeyUnknown: the server's host key is not in known_hosts (and
	// the mode is strict). Never retryable; add the key or use
	// HostKeyAcceptNew.
	ErrHostKeyUnknown = errors.New("host key unknown")

	// ErrHostKeyChanged: known_hosts holds a different key for this host,
	// which may be an attack. Never retryable.
	ErrHostKeyChanged = errors.New("host key changed")

	// ErrUnreachable: the TCP connection could not be made (refused, no
	// route, name not resolved). Retryable: the host or sshd may come back.
	ErrUnreachable = errors.New("host unreachable")

	// ErrTimeout: the connect timeout (or a context deadline) passed before
	// the connection and handshake completed. Retryable.
	ErrTimeout = errors.New("timed out")

	// ErrHandshake: something answered but the SSH protocol handshake
	// failed (not an SSH server, garbage instead of a banner, connection
	// closed during key exchange). Retryable: sshd refuses handshakes
	// while it starts up or when MaxStartups is exceeded.
	ErrHandshake = errors.New("ssh handshake failed")

	// ErrConnLost: an established connection died (keepalive replies
	// missed, link reset, server gone). Retryable by reconnecting, but a
	// command that was running is not re-run: its outcome is unknown.
	ErrConnLost = errors.New("connection lost")

	// ErrNoExitStatus: the command's channel closed without an exit status
	// or exit signal, which is how a killed sshd or a reboot mid-command
	// shows. Its outcome is unknown; not retried automatically.
	ErrNoExitStatus = errors.New("command ended without exit status")

	// ErrClosed: the Client was closed by its owner. Not retryable.
	ErrClosed = errors.New("client closed")
)

// Retryable reports whether an operation that failed with err may succeed
// when tried again later (after a reconnect). Authentication, host-key and
// configuration failures never are; nor is a context that was cancelled.
func Retryable(err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, ErrConfig), errors.Is(err, ErrAuth),
		errors.Is(err, ErrHostKeyUnknown), errors.Is(err, ErrHostKeyChanged),
		errors.Is(err, ErrClosed):
		return false
	case errors.Is(err, ErrUnreachable), errors.Is(err, ErrTimeout),
		errors.Is(err, ErrHandshake), errors.Is(err, ErrConnLost):
		return true
	}
	return false
}

// OpError is the error type of every failed network operation, like
// *net.OpError: it names the operation and the address, and wraps one of
// the sentinel errors and the underlying cause.
type OpError struct {
	Op   string // "dial", "handshake", "session", "keepalive", "run"
	Addr string // host:port
	Err  error  // classified error; errors.Is finds the sentinel and the cause
}

func (e *OpError) Error() string {
	return "vmconn: " + e.Op + " " + e.Addr + ": " + e.Err.Error()
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

// HostKeyError reports a host key that could not be verified. It wraps
// ErrHostKeyUnknown or ErrHostKeyChanged.
type HostKeyError struct {
	Addr        string   // host:port that was dialled
	KeyType     string   // type of the key the server presented
	Fingerprint string   // SHA256 fingerprint of the presented key
	Want        []string // known_hosts lines' fingerprints (changed key only)
	Err         error    // ErrHostKeyUnknown or ErrHostKeyChanged
}

func (e *HostKeyError) Error() string {
	s := e.Err.Error() + " for " + e.Addr + ": server offered " + e.KeyType + " " + e.Fingerprint
	if len(e.Want) > 0 {
		s += ", known_hosts has " + strings.Join(e.Want, ", ")
	}
	return s
}

// Unwrap returns ErrHostKeyUnknown or ErrHostKeyChanged.
func (e *HostKeyError) Unwrap() error { return e.Err }

// classed joins a sentinel class and a cause so that errors.Is finds both.
func classed(class, cause error) error {
	if cause == nil {
		return class
	}
	return fmt.Errorf("%w: %w", class, cause)
}
