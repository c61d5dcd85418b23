//go:build !unix

package main

import "errors"

// pauseProcess fails: the benchmark's hung host needs Unix signals.
func pauseProcess(int) error { return errors.ErrUnsupported }

// resumeProcess fails: see pauseProcess.
func resumeProcess(int) error { return errors.ErrUnsupported }
