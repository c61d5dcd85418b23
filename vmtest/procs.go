package vmtest

import (
	"sync"
	"syscall"
)

// procTable tracks the process groups the server started, so that Close
// and Reboot can kill them all.
type procTable struct {
	mu     sync.Mutex
	shut   bool         // set by Close: no new groups
	groups map[int]bool // pgid -> whether its leader is not yet reaped
}

// add registers a new process group whose leader is pgid. It fails once
// the table is shut; the caller must then kill the group itself.
func (t *procTable) add(pgid int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.shut {
		return false
	}
	if t.groups == nil {
		t.groups = map[int]bool{}
	}
	t.groups[pgid] = true
	return true
}

// reaped records that the leader of pgid was reaped. The group is
// forgotten if no member is left.
func (t *procTable) reaped(pgid int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if groupEmpty(pgid) {
		delete(t.groups, pgid)
		return
	}
	t.groups[pgid] = false
}

// killAll sends SIGKILL to every tracked process group. With shut, add
// fails from now on.
func (t *procTable) killAll(shut bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.shut = t.shut || shut
	for pgid, leaderAlive := range t.groups {
		if !leaderAlive {
			// Once the leader is reaped, the id outlives the group only
			// while members are left. If a process now has pid == pgid,
			// the id was reused by someone else: do not kill that.
			delete(t.groups, pgid)
			if !pidGone(pgid) {
				continue
			}
		}
		killGroup(pgid, syscall.SIGKILL)
	}
}
