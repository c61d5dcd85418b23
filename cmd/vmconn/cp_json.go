package main

import (
	"errors"
	"io"
	"sync"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/transfer"
)

// cpTally counts what "cp" copied, over all its sources.
type cpTally struct {
	mu           sync.Mutex
	files, bytes int64
	last         transfer.Progress // of the source being copied
}

// update is called with each source's progress (its own running totals).
func (t *cpTally) update(p transfer.Progress) {
	t.mu.Lock()
	t.last = p
	t.mu.Unlock()
}

// add moves the finished source's totals into the tally.
func (t *cpTally) add() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.files, t.bytes = t.files+int64(t.last.Files), t.bytes+t.last.Bytes
	t.last = transfer.Progress{}
}

// cpJSON is what "cp --json" prints.
type cpJSON struct {
	Host       string `json:"host"`
	Direction  string `json:"direction"`
	Files      int64  `json:"files"`
	Bytes      int64  `json:"bytes"`
	DurationMS int64  `json:"duration_ms"`
	Class      string `json:"class"`
	Error      string `json:"error,omitempty"`
	OldBootID  string `json:"old_boot_id,omitempty"` // --boot-id stopped the copy: the id given
	NewBootID  string `json:"new_boot_id,omitempty"` // and the machine's
}

// printJSON prints the copy's one object; err is the copy's result.
func (t *cpTally) printJSON(w io.Writer, host string, upload bool, start time.Time, err error) error {
	t.mu.Lock()
	j := cpJSON{Host: host, Direction: "download", Files: t.files, Bytes: t.bytes,
		DurationMS: time.Since(start).Milliseconds(), Class: classOf(unwrapExit(err))}
	t.mu.Unlock()
	if upload {
		j.Direction = "upload"
	}
	if err != nil {
		j.Error = unwrapExit(err).Error()
	}
	var re *vmconn.RebootError
	if errors.As(unwrapExit(err), &re) {
		j.OldBootID, j.NewBootID = re.OldBootID, re.NewBootID
	}
	return jsonExit(newJSONLines(w).print(j), err)
}
