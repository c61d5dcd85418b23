package vmconn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/vmconn/vmconn/internal/textutil"
)

// DefaultBootIDCommand prints the Linux kernel's boot id: a random UUID
// made anew at every boot.
const DefaultBootIDCommand = "cat /proc/sys/kernel/random/boot_id"

// btimeCommand is the fallback where boot_id is missing: the boot time in
// seconds since the epoch. It is coarser: it can move by a second when the
// clock is stepped.
const btimeCommand = "awk '/^btime /{print \"btime:\" $2}' /proc/stat"

var (
	uuidPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	})
	btimePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^btime:[0-9]+$`) })
)

// ErrBadBootID: the boot id command printed something that is not a boot
// identity. Not retryable.
var ErrBadBootID = errors.New("no valid boot id")

// BootID returns the machine's boot identity: the kernel's boot_id (a
// UUID, validated), or "btime:N" from /proc/stat where boot_id is missing.
// With Config.BootIDCommand set, that command's output must be a UUID or
// some other non-empty single line.
//
// Where the boot id is not enough: a container shares its host's boot id
// (a container restart is not a reboot and is not seen), and a systemd
// soft-reboot restarts user space while keeping the kernel and its boot
// id. A changed boot id always means a new kernel boot.
func (c *Client) BootID(ctx context.Context) (string, error) {
	id, err := c.bootID(ctx)
	if err == nil {
		c.mu.Lock()
		c.lastBootID = id
		c.mu.Unlock()
	}
	return id, err
}

func (c *Client) bootID(ctx context.Context) (string, error) {
	if c.cfg.BootIDCommand != "" {
		return c.readBootID(ctx, c.cfg.BootIDCommand, nil)
	}
	id, err := c.readBootID(ctx, DefaultBootIDCommand, uuidPattern())
	var be *BootIDError
	if errors.As(err, &be) && be.Status > 0 { // no boot_id file: old kernel or odd container
		if id, err2 := c.readBootID(ctx, btimeCommand, btimePattern()); err2 == nil {
			return id, nil
		}
	}
	return id, err
}

// readBootID runs one boot id command; every failure is a *BootIDError.
func (c *Client) readBootID(ctx context.Context, command string, pattern *regexp.Regexp) (string, error) {
	out, err := c.rawOutput(ctx, command)
	fail := &BootIDError{Command: command, Status: -1, Err: err}
	var ee *ExitError
	switch {
	case errors.As(err, &ee): // not the *ExitError itself: never a guarded command's status
		fail.Status, fail.Stderr = ee.Status, ee.Stderr
		fail.Err = fmt.Errorf("%w: command exited with status %d", ErrBadBootID, ee.Status)
		return "", fail
	case err != nil:
		return "", fail
	}
	id, err := validBootID(out, pattern)
	if err != nil {
		fail.Err = err
		return "", fail
	}
	return id, nil
}

// BootIDError reports that the machine's boot id could not be read: the
// boot id command failed (Err wraps ErrBadBootID and says its exit
// status; it never wraps an *ExitError, so that it is not taken for a
// guarded command's own status), printed no valid id (ErrBadBootID), or
// the connection failed (Err wraps that error, e.g. ErrConnLost). A
// server that allows no commands (ForceCommand internal-sftp) fails so.
type BootIDError struct {
	Command string // the boot id command line that was run
	Status  int    // its exit status; -1 when it did not exit
	Stderr  []byte // the start of its standard error
	Err     error  // why: see above

	// When is "before" or "after" when the read was the reboot guard's
	// (Cmd.RebootGuard, Client.Guard); "" for Client.BootID.
	When string
	// Guarded is the guarded command's or function's own result, for a
	// read after it; errors.Is and errors.As find it too.
	Guarded error
}

func (e *BootIDError) Error() string {
	s := "vmconn: reading the boot id"
	if e.When != "" {
		s = "vmconn: reboot guard: reading the boot id " + e.When + " the guarded command"
	}
	s += fmt.Sprintf(" with %q: %s", e.Command, strings.TrimPrefix(e.Err.Error(), "vmconn: "))
	if tail := strings.TrimSpace(string(e.Stderr)); tail != "" {
		s += fmt.Sprintf("; its stderr: %q", textutil.Truncate(tail, 200))
	}
	if e.Guarded != nil {
		s += " (the guarded command itself: " + strings.TrimPrefix(e.Guarded.Error(), "vmconn: ") + ")"
	}
	return s
}

// Unwrap returns the cause and, after a guarded command, its result.
func (e *BootIDError) Unwrap() []error {
	if e.Guarded == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.Guarded}
}

// guardReadFailed marks a failed boot id read as the reboot guard's,
// before or after the guarded command whose own result is guarded.
func guardReadFailed(err error, when string, guarded error) error {
	var be *BootIDError
	if !errors.As(err, &be) {
		return fmt.Errorf("vmconn: reboot guard: reading the boot id %s: %w", when, err)
	}
	be.When, be.Guarded = when, guarded
	return be
}

// rawOutput runs a short command line exactly as given (no marker):
// boot id and reboot commands are the caller's own lines, sent verbatim.
func (c *Client) rawOutput(ctx context.Context, command string) ([]byte, error) {
	cmd := c.Command(ctx, command)
	cmd.Raw = true
	return cmd.Output()
}

// validBootID trims and checks the command's output; a nil pattern
// accepts any single non-empty line.
func validBootID(out []byte, pattern *regexp.Regexp) (string, error) {
	id := strings.TrimSpace(string(out))
	ok := id != "" && !strings.ContainsAny(id, "\n\r")
	if pattern != nil {
		ok = pattern.MatchString(id)
	} else if uuidPattern().MatchString(strings.ToLower(id)) {
		id = strings.ToLower(id)
	}
	if !ok || bytes.IndexByte(out, 0) >= 0 {
		return "", fmt.Errorf("printed %q: %w", textutil.Truncate(id, 80), ErrBadBootID)
	}
	return id, nil
}
