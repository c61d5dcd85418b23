//go:build !unix

package job_test

import "os"

// processGone reports whether no process has the given pid: the
// system cannot find it.
func processGone(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return true
	}
	_ = p.Release()
	return false
}

// killPid kills the process pid, if the system can find it.
func killPid(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}
