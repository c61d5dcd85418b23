package sshdtest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// procID names a process across pid reuse: its pid and its start time in
// clock ticks after boot (field 22 of /proc/PID/stat).
type procID struct {
	pid   int
	start uint64
}

// procInfo is what the harness reads about a process from /proc.
type procInfo struct {
	procID
	ppid  int
	comm  string
	state byte
	mntns string // "mnt:[INODE]", "" when unreadable
}

// alive reports whether p runs: it exists, is the same process and is not a
// zombie.
func (p procID) alive() bool {
	i, err := readProc(p.pid)
	return err == nil && i.start == p.start && i.state != 'Z'
}

// readProc reads /proc/PID/stat and the mount namespace of pid.
func readProc(pid int) (procInfo, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procInfo{}, err
	}
	s := string(b)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return procInfo{}, fmt.Errorf("sshdtest: malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(s[end+1:]) // f[0] is field 3, state
	if len(f) < 20 {
		return procInfo{}, fmt.Errorf("sshdtest: short /proc/%d/stat", pid)
	}
	i := procInfo{procID: procID{pid: pid}, comm: s[open+1 : end], state: f[0][0]}
	i.ppid, _ = strconv.Atoi(f[1])
	i.start, _ = strconv.ParseUint(f[19], 10, 64)
	i.mntns, _ = os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", pid))
	return i, nil
}

// allProcs lists the processes of the machine that are not zombies.
func allProcs() []procInfo {
	ents, _ := os.ReadDir("/proc")
	var ps []procInfo
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if i, err := readProc(pid); err == nil && i.state != 'Z' {
			ps = append(ps, i)
		}
	}
	return ps
}

// selfID names the test process itself.
func selfID() procID {
	i, _ := readProc(os.Getpid())
	return i.procID
}

// hasMount reports whether mountPoint is mounted in the mount namespace of
// pid.
func hasMount(pid int, mountPoint string) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
	if err != nil {
		return false
	}
	// Field 5 is the mount point, with space, tab, newline and backslash
	// written in octal.
	escaped := strings.NewReplacer(" ", `\040`, "\t", `\011`, "\n", `\012`, `\`, `\134`).Replace(mountPoint)
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) > 4 && f[4] == escaped {
			return true
		}
	}
	return false
}
