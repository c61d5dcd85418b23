//go:build !unix

package testkit

import "os"

// killGroup does nothing: process groups are a unix notion, and jobs run
// on unix hosts alone.
func killGroup(int) {}

// lockedByOther reports false: job locks are flock(2) locks, which exist
// on unix alone.
func lockedByOther(*os.File) bool { return false }

// kill does nothing: jobs run on unix hosts alone.
func kill(int) {}
