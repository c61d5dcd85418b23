//go:build !unix

package vmconn_test

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
