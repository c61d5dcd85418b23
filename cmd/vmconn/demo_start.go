package main

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/vmconn/vmconn/vmtest"
)

// startDemoServer starts the demo's test VM with start (vmtest.Start).
// Where vmtest cannot run (Windows), the error says so in one sentence.
func startDemoServer(start func(vmtest.Options) (*vmtest.Server, error)) (*vmtest.Server, error) {
	srv, err := start(vmtest.Options{})
	switch {
	case errors.Is(err, vmtest.ErrUnsupported):
		return nil, &exitError{code: exitDemoUnavailable, err: fmt.Errorf(
			"vmconn: demo cannot run on %s: its built-in test VM needs a POSIX shell and Unix process groups (Linux, macOS or FreeBSD)",
			runtime.GOOS)}
	case err != nil:
		return nil, &exitError{code: exitDemoUnavailable, err: vmErr("demo", err)}
	}
	return srv, nil
}
