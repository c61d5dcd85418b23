//go:build !unix

package sshdtest_test

import "os"

// killPid kills the process pid, if the system can find it.
func killPid(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}
