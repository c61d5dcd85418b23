package control

import (
	"context"
	"errors"
	"time"

	"github.com/vmconn/vmconn"
)

// runRequest is a run client's command.
type runRequest struct {
	Command string
	BootID  string // run only if the machine's boot id is this
	Stdin   bool   // stdin frames follow; else the command's stdin is empty
}

// runExit is how a command run through a master ended: an exit status
// (and signal), or an error when it has none.
type runExit struct {
	Status int      `json:"status"`
	Signal string   `json:"signal,omitempty"`
	Msg    string   `json:"msg,omitempty"`     // the signal's message
	Error  string   `json:"error,omitempty"`   // why there is no exit status
	Is     []string `json:"is,omitempty"`      // sentinels the error matches (see sentinels)
	Addr   string   `json:"addr,omitempty"`    // with a RebootError: the machine
	BootID string   `json:"boot_id,omitempty"` // with a RebootError: the boot id now
}

// sentinels are the errors a run's error may match on the client side,
// by the names they travel under.
var sentinels = map[string]error{
	"config": vmconn.ErrConfig, "auth": vmconn.ErrAuth, "unreachable": vmconn.ErrUnreachable,
	"timeout": vmconn.ErrTimeout, "handshake": vmconn.ErrHandshake, "conn-lost": vmconn.ErrConnLost,
	"closed": vmconn.ErrClosed, "no-exit-status": vmconn.ErrNoExitStatus, "not-stopped": vmconn.ErrNotStopped,
	"refused": vmconn.ErrRefused, "host-key-unknown": vmconn.ErrHostKeyUnknown,
	"host-key-changed": vmconn.ErrHostKeyChanged, "host-key-revoked": vmconn.ErrHostKeyRevoked,
	"canceled": context.Canceled, "deadline": context.DeadlineExceeded,
}

// exitOf encodes a command's result for the client.
func exitOf(err error) runExit {
	var ee *vmconn.ExitError
	var re *vmconn.RebootError
	switch {
	case err == nil:
		return runExit{}
	case errors.As(err, &ee):
		return runExit{Status: ee.Status, Signal: ee.Signal, Msg: ee.Msg}
	case errors.As(err, &re):
		x := runExit{Error: err.Error(), Addr: re.Addr, BootID: re.NewBootID}
		x.Is = append(x.Is, "rebooted")
		return x
	}
	x := runExit{Error: err.Error()}
	for name, s := range sentinels {
		if errors.Is(err, s) {
			x.Is = append(x.Is, name)
		}
	}
	return x
}

// err decodes the result: nil, a *vmconn.ExitError, a
// *vmconn.RebootError (for a request's BootID), or a *RunError.
func (x runExit) err(bootID string) error {
	switch {
	case x.Error == "" && x.Status == 0 && x.Signal == "":
		return nil
	case x.Error == "":
		return &vmconn.ExitError{Status: x.Status, Signal: x.Signal, Msg: x.Msg}
	}
	for _, name := range x.Is {
		if name == "rebooted" {
			return &vmconn.RebootError{Addr: x.Addr, OldBootID: bootID, NewBootID: x.BootID, NoticedAt: time.Now()}
		}
	}
	e := &RunError{Msg: x.Error}
	for _, name := range x.Is {
		if s, ok := sentinels[name]; ok {
			e.is = append(e.is, s)
		}
	}
	return e
}

// RunError is the master's error for a command that ended without an
// exit status. errors.Is matches the vmconn sentinels (and context
// errors) that the master's error matched, ErrConnLost among them.
type RunError struct {
	Msg string // the master's error message
	is  []error
}

func (e *RunError) Error() string { return e.Msg }

// Is reports whether the master's error matched target.
func (e *RunError) Is(target error) bool {
	for _, s := range e.is {
		if s == target {
			return true
		}
	}
	return false
}
