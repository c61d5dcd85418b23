//go:build unix

package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
)

// killGroup kills (SIGKILL) process group pgid.
func killGroup(pgid int) { syscall.Kill(-pgid, syscall.SIGKILL) }

// processGone reports whether pid no longer runs: it does not exist or
// is a zombie (Linux's /proc tells; elsewhere a zombie counts as running).
func processGone(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return true
	}
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return strings.Contains(string(b), ") Z ")
}
