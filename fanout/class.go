package fanout

import (
	"context"
	"errors"
	"strconv"

	"github.com/vmconn/vmconn"
)

// Class is the outcome of one host in a fan-out, in Result.Class. Its
// String is the name the CLI prints in --json ("ok", "unreachable", ...).
type Class int

// The classes. The zero Class is none of them.
const (
	OK          Class = iota + 1 // the command exited 0
	Failed                       // it ran and exited non-zero or by a signal
	Unreachable                  // no connection: refused, no route, connect timeout, lost
	Auth                         // authentication or host key refused (too many keys offered too)
	Error                        // bad input, a reboot, or ctx ended (cancel or deadline alike)
)

var classNames = [...]string{OK: "ok", Failed: "failed", Unreachable: "unreachable", Auth: "auth", Error: "error"}

// String returns "ok", "failed", "unreachable", "auth" or "error".
func (c Class) String() string {
	if c > 0 && int(c) < len(classNames) {
		return classNames[c]
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// MarshalText encodes the class as its String.
func (c Class) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Classify maps the error of a dial or of a command onto a class: nil is
// OK, a *vmconn.ExitError Failed, the caller's context ending or a reboot
// Error, and the sentinel errors of vmconn the class they stand for.
func Classify(err error) Class {
	var ee *vmconn.ExitError
	switch {
	case err == nil:
		return OK
	case errors.As(err, &ee):
		return Failed
	case errors.Is(err, vmconn.ErrAuth), errors.Is(err, vmconn.ErrHostKeyUnknown),
		errors.Is(err, vmconn.ErrHostKeyChanged), errors.Is(err, vmconn.ErrHostKeyRevoked):
		return Auth
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, vmconn.ErrRebooted):
		return Error
	case errors.Is(err, vmconn.ErrUnreachable), errors.Is(err, vmconn.ErrTimeout), errors.Is(err, vmconn.ErrHandshake),
		errors.Is(err, vmconn.ErrConnLost), errors.Is(err, vmconn.ErrNoExitStatus):
		return Unreachable
	}
	return Error
}
