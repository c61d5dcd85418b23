package sshdtest

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
)

// tracker knows which processes belong to one server: those in the mount
// namespaces its daemons ran in (as root), the processes it has seen before
// (so that orphans stay known when their parent dies) and every descendant
// of those.
//
// The kernel reuses the inode number of a namespace that has ended, so a
// namespace counts only if it also has the server's marker mounted.
type tracker struct {
	marker     string // mount point in each of the server's namespaces
	mu         sync.Mutex
	namespaces map[string]bool
	known      map[procID]bool
}

func newTracker(marker string) *tracker {
	return &tracker{marker: marker, namespaces: map[string]bool{}, known: map[procID]bool{}}
}

// addDaemon records a listener and, when ns is not "", its namespace.
func (tr *tracker) addDaemon(id procID, ns string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.known[id] = true
	if self, _ := os.Readlink("/proc/self/ns/mnt"); ns != "" && ns != self {
		tr.namespaces[ns] = true
	}
}

// members lists the server's live processes now, and remembers them.
func (tr *tracker) members() []procInfo {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	ps := allProcs()
	children := map[int][]procInfo{}
	ours := map[string]bool{} // namespace: its marker is there
	var queue []procInfo
	for _, p := range ps {
		children[p.ppid] = append(children[p.ppid], p)
		if tr.namespaces[p.mntns] {
			if _, checked := ours[p.mntns]; !checked {
				ours[p.mntns] = hasMount(p.pid, tr.marker)
			}
		}
		if tr.known[p.procID] || ours[p.mntns] {
			queue = append(queue, p)
		}
	}
	seen := map[int]bool{}
	var out []procInfo
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p.pid] {
			continue
		}
		seen[p.pid] = true
		out = append(out, p)
		queue = append(queue, children[p.pid]...)
	}
	for _, p := range out {
		tr.known[p.procID] = true
	}
	return out
}

// kill sends SIGKILL to the members that keep returns true for, again and
// again (a shell may fork meanwhile) until none is left, for at most 5s.
func (tr *tracker) kill(keep func(procInfo) bool) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		var left []procInfo
		for _, p := range tr.members() {
			if keep(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sshdtest: processes survive SIGKILL: %s", describe(left))
		}
		for _, p := range left {
			if p.alive() { // not a new process that took the pid
				err := killPid(p.pid)
				if err != nil && !errors.Is(err, syscall.ESRCH) {
					return fmt.Errorf("sshdtest: kill %d (%s): %w", p.pid, p.comm, err)
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func describe(ps []procInfo) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = fmt.Sprintf("%d(%s)", p.pid, p.comm)
	}
	return strings.Join(s, " ")
}

// isSSHD reports whether p is one of sshd's own processes (sshd, and from
// OpenSSH 9.8 on sshd-session and sshd-auth) rather than a user's command.
func isSSHD(p procInfo) bool { return strings.HasPrefix(p.comm, "sshd") }
