package main

import (
	"errors"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/fanout"
	"github.com/vmconn/vmconn/job"
)

// Classes of an end object beyond the fan-out's (fanout.OK, ...).
const (
	classRebooted = "rebooted" // guard: the machine rebooted meanwhile
	classLost     = "lost"     // a job lost to a reboot or a killed wrapper
	classDetached = "detached" // long, attach: interrupted; the job goes on
)

// endOf builds host's end object for a command's result; out and errOut,
// when not nil, are flushed and give the byte counts.
func endOf(host string, err error, start time.Time, out, errOut *jsonStream) endObj {
	err = unwrapExit(err)
	e := endObj{Type: "end", Host: host, Class: classOf(err), ExitStatus: -1,
		DurationMS: time.Since(start).Milliseconds()}
	if out != nil {
		e.StdoutBytes, e.StderrBytes = out.flush(), errOut.flush()
	}
	var ee *vmconn.ExitError
	switch {
	case err == nil:
		e.ExitStatus = 0
	case errors.As(err, &ee):
		e.ExitStatus, e.Signal = ee.Status, ee.Signal
	}
	if err != nil {
		e.Error = err.Error()
	}
	var re *vmconn.RebootError
	if errors.As(err, &re) { // --boot-id stopped the call (guardJSON sets its own)
		rebooted := true
		e.OldBootID, e.NewBootID, e.Rebooted = re.OldBootID, re.NewBootID, &rebooted
	}
	return e
}

// classOf names the outcome of one host's command as fanout.Classify
// does, with the CLI's own classes for reboots and jobs.
func classOf(err error) string {
	var lost *job.LostError
	switch {
	case errors.Is(err, vmconn.ErrRebooted):
		return classRebooted
	case errors.As(err, &lost):
		return classLost
	}
	return fanout.Classify(err).String()
}

// unwrapExit returns the error an *exitError carries, or err itself.
func unwrapExit(err error) error {
	var xe *exitError
	if errors.As(err, &xe) && xe.err != nil {
		return xe.err
	}
	return err
}
