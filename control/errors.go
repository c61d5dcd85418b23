package control

import "errors"

// Errors of Listen and Dial. None is retryable by itself; after ErrStale
// or ErrNoMaster, start a master.
var (
	// ErrNoMaster: no master listens at the path (no socket there).
	ErrNoMaster = errors.New("no master")

	// ErrStale: a socket is there but nothing answers (its master died:
	// Dial removed the socket), or its master closed the connection
	// before its greeting (it is on its way out).
	ErrStale = errors.New("stale control socket (its master is gone)")

	// ErrInUse: Listen found a live master at the path already.
	ErrInUse = errors.New("a master already listens there")

	// ErrMismatch: the master at the path serves a connection with other
	// settings (user, host, keys, known_hosts ...).
	ErrMismatch = errors.New("the master there serves other connection settings")

	// ErrUntrusted: the socket or its directory belongs to another user,
	// or others may write to the directory, or the peer runs as another user.
	ErrUntrusted = errors.New("control socket not private to this user")

	// ErrPathTooLong: the path does not fit in a Unix socket address.
	ErrPathTooLong = errors.New("control path too long for a Unix socket")

	// ErrUnsupported: this platform cannot share connections (Windows).
	ErrUnsupported = errors.New("connection sharing is not supported on this platform")
)
