//go:build linux

package vmhost

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// proc is what the harness reads about a process from /proc.
type proc struct {
	pid, ppid int
	comm      string
	pidNS     string // "pid:[INODE]"; "" when unreadable
}

func (p proc) String() string { return fmt.Sprintf("%d(%s)", p.pid, p.comm) }

// readProc reads /proc/PID/stat and the PID namespace of pid.
func readProc(pid int) (proc, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return proc{}, err
	}
	s := string(b)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	f := strings.Fields(s[end+1:]) // f[0] is field 3, the state
	if open < 0 || end < open || len(f) < 2 {
		return proc{}, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	p := proc{pid: pid, comm: s[open+1 : end]}
	p.ppid, _ = strconv.Atoi(f[1])
	p.pidNS, _ = pidNamespace(pid)
	return p, nil
}

// allProcs lists the machine's processes.
func allProcs() []proc {
	ents, _ := os.ReadDir("/proc")
	var ps []proc
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			if p, err := readProc(pid); err == nil {
				ps = append(ps, p)
			}
		}
	}
	return ps
}

// pidNamespace returns the PID namespace of pid, as "pid:[INODE]".
func pidNamespace(pid int) (string, error) {
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", pid))
	if err != nil {
		return "", fmt.Errorf("PID namespace of %d: %w", pid, err)
	}
	return ns, nil
}

// checkChildPIDNamespace makes sure that pid is PID 1 of a PID namespace
// nested right inside the test process's own, which is then neither the
// test process's nor the machine's init's, and returns that namespace.
// Whatever runs in it, a reboot(2) call included, cannot reboot the
// machine the tests run on (see pid_namespaces(7)).
func checkChildPIDNamespace(pid int) (string, error) {
	ns, err := pidNamespace(pid)
	if err != nil {
		return "", err
	}
	self, err := pidNamespace(os.Getpid())
	if err != nil {
		return "", err
	}
	machine, _ := pidNamespace(1) // readable as root
	nspid, err := nsPIDs(pid)
	if err != nil {
		return "", err
	}
	switch {
	case ns == self || ns == machine:
		return "", fmt.Errorf("refusing to go on: process %d runs in the test's own PID namespace %s", pid, ns)
	case len(nspid) != 2 || nspid[1] != "1":
		return "", fmt.Errorf("refusing to go on: process %d is not PID 1 of a nested PID namespace (NSpid %v)", pid, nspid)
	}
	return ns, nil
}

// nsPIDs returns the NSpid line of /proc/PID/status: the process's pid in
// the test's PID namespace and in each nested one.
func nsPIDs(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
			return strings.Fields(rest), nil
		}
	}
	return nil, fmt.Errorf("no NSpid in /proc/%d/status", pid)
}

// signalIf sends sig to pid if the process passes ok, and reports
// whether it did. The process is pinned with a pidfd before it is
// checked: if its pid is reused meanwhile, the signal goes nowhere rather
// than to the new process. It refuses pids that are not one process (0
// and negative numbers name process groups or every process) and the
// machine's init.
func signalIf(pid int, sig syscall.Signal, ok func(proc) bool) (bool, error) {
	if pid <= 1 {
		return false, fmt.Errorf("refusing to send %v to pid %d", sig, pid)
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("pidfd_open(%d): %w", pid, err)
	}
	defer unix.Close(fd)
	if p, err := readProc(pid); err != nil || !ok(p) {
		return false, nil
	}
	err = unix.PidfdSendSignal(fd, sig, nil, 0)
	if err != nil && !errors.Is(err, unix.ESRCH) {
		return false, fmt.Errorf("sending %v to %d: %w", sig, pid, err)
	}
	return err == nil, nil
}
