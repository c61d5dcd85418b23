package vmconn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/vmconn/vmconn/internal/textutil"
	"regexp"
	"strings"
)

// DefaultBootIDCommand prints the Linux kernel's boot id: a random UUID
// made anew at every boot.
const DefaultBootIDCommand = "cat /proc/sys/kernel/random/boot_id"

// btimeCommand is the fallback where boot_id is missing: the boot time in
// seconds since the epoch. It is coarser: it can move by a second when the
// clock is stepped.
const btimeCommand = "awk '/^btime /{print \"btime:\" $2}' /proc/stat"

var (
	uuidPattern  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	btimePattern = regexp.MustCompile(`^btime:[0-9]+$`)
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
		out, err := c.rawOutput(ctx, c.cfg.BootIDCommand)
		if err != nil {
			return "", err
		}
		return validBootID(out, nil)
	}
	out, err := c.rawOutput(ctx, DefaultBootIDCommand)
	var ee *ExitError
	if errors.As(err, &ee) { // no boot_id file: old kernel or odd container
		if out, err = c.rawOutput(ctx, btimeCommand); err != nil {
			return "", err
		}
		return validBootID(out, btimePattern)
	}
	if err != nil {
		return "", err
	}
	return validBootID(out, uuidPattern)
}

// rawOutput runs a short command line exactly as given (no pid line):
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
	} else if uuidPattern.MatchString(strings.ToLower(id)) {
		id = strings.ToLower(id)
	}
	if !ok || bytes.IndexByte(out, 0) >= 0 {
		return "", fmt.Errorf("vmconn: boot id command printed %q: %w", textutil.Truncate(id, 80), ErrBadBootID)
	}
	return id, nil
}
