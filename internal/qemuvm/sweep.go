//go:build linux

package qemuvm

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A run's directory, under the cache's runs/, holds "owner": the pid and
// start time of the test process that started QEMU. QEMU dies with that
// process (its parent death signal is SIGKILL), but should it survive, the
// next Start finds the directory of a dead owner and kills the QEMU named
// by its pid file, once /proc shows that the pid is still that QEMU.

// newRunDir makes a run's directory and writes its owner file.
func newRunDir(runs string) (string, error) {
	if err := os.MkdirAll(runs, 0o700); err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(runs, "run-")
	if err != nil {
		return "", err
	}
	pid := os.Getpid()
	return dir, os.WriteFile(filepath.Join(dir, "owner"), []byte(processID(pid)), 0o600)
}

// processID returns "PID STARTTIME" of a live process, "" for none: a pid
// alone may be reused.
func processID(pid int) string {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	// The command name, in parentheses, may hold spaces: fields count
	// from the last ')'. The start time is field 22, the 20th after it.
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(fields) < 20 {
		return ""
	}
	return strconv.Itoa(pid) + " " + fields[19]
}

// cpuTime returns the CPU time a process has used, user and system
// (0 when unknown).
func cpuTime(pid int) time.Duration {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(fields) < 13 {
		return 0
	}
	user, _ := strconv.Atoi(fields[11])
	sys, _ := strconv.Atoi(fields[12])
	return time.Duration(user+sys) * time.Second / 100 // USER_HZ is 100 on Linux
}

// sweep kills the QEMU of every run whose owner is dead, and removes the
// run's directory.
func sweep(tb testing.TB, runs string) {
	dirs, _ := filepath.Glob(filepath.Join(runs, "run-*"))
	for _, dir := range dirs {
		if err := sweepRun(dir); err != nil {
			tb.Logf("qemuvm: stale sweep: %v", err)
		}
	}
}

// sweepRun kills a stale run's QEMU and removes its directory; a run
// whose owner lives is left alone.
func sweepRun(dir string) error {
	owner, err := os.ReadFile(filepath.Join(dir, "owner"))
	if err != nil {
		return nil // being made, or being removed
	}
	pid, _, _ := strings.Cut(string(owner), " ")
	if n, err := strconv.Atoi(pid); err == nil && processID(n) == string(owner) {
		return nil
	}
	if data, err := os.ReadFile(filepath.Join(dir, "qemu.pid")); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && n > 1 {
			cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(n) + "/cmdline")
			if bytes.Contains(cmdline, []byte("vmconn-qemuvm")) && bytes.Contains(cmdline, []byte(dir)) {
				if err := syscall.Kill(n, syscall.SIGKILL); err != nil {
					return fmt.Errorf("killing stale qemu %d of %s: %w", n, dir, err)
				}
			}
		}
	}
	return os.RemoveAll(dir)
}
