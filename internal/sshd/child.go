package sshd

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// findSSHD sets d.sshd to the command's only child when o.Forks: it waits
// for the child to appear, at most 2s, pins it with a pidfd
// (os.FindProcess) and checks again that it is the command's child.
func (d *Daemon) findSSHD(o *Options) error {
	if !o.Forks {
		return nil
	}
	parent := d.cmd.Process.Pid
	for range 200 {
		if pid := childOf(parent); pid > 0 {
			p, err := os.FindProcess(pid)
			if err != nil {
				return err
			}
			if parentOf(pid) != parent { // it died, and the pid is another's
				p.Release()
				continue
			}
			d.sshd = p
			return nil
		}
		select {
		case <-d.done:
			return fmt.Errorf("%w: %v", ErrExited, d.err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	return fmt.Errorf("process %d (%s) started no sshd", parent, o.Prefix[0])
}

// childOf returns a child of parent, 0 if it has none.
func childOf(parent int) int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil && parentOf(pid) == parent {
			return pid
		}
	}
	return 0
}

// parentOf returns the parent pid of pid, 0 if unknown.
func parentOf(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return 0
	}
	f := strings.Fields(s[end+1:]) // f[0] is field 3, the state
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}
