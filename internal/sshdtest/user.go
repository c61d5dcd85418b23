package sshdtest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/testenv"
)

// userPrefix starts the name of every throwaway user.
const userPrefix = "vmconn-t-"

// userComment is the GECOS field of a throwaway user: it names the test
// process that owns the user, so that a later run can remove the users of a
// test process that died before its cleanup.
const userComment = "vmconn sshdtest pid=%d start=%d"

// createUser adds a throwaway user with a random password and the login
// shell named by shell ("" for /bin/sh).
func createUser(ctx context.Context, shell string) (name, password string, err error) {
	if shell, err = shellPath(shell); err != nil {
		return "", "", err
	}
	name, password = userPrefix+randomHex(4), randomHex(12)
	self := selfID()
	comment := fmt.Sprintf(userComment, self.pid, self.start)
	if err := runLocked(ctx, "", "useradd", "-m", "-s", shell, "-c", comment, name); err != nil {
		return "", "", err
	}
	if err := runLocked(ctx, name+":"+password+"\n", "chpasswd"); err != nil {
		deleteUser(ctx, name)
		return "", "", err
	}
	return name, password, nil
}

// deleteUser removes the user and its home, even if processes of the user
// are left (zombies count for userdel).
func deleteUser(ctx context.Context, name string) error {
	return runLocked(ctx, "", "userdel", "-r", "-f", name)
}

// sweepUsers removes the throwaway users of test processes that are gone.
func sweepUsers(ctx context.Context) {
	f, err := os.Open("/etc/passwd")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var stale []string
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) < 5 || !strings.HasPrefix(fields[0], userPrefix) {
			continue
		}
		var owner procID
		if _, err := fmt.Sscanf(fields[4], userComment, &owner.pid, &owner.start); err == nil && !owner.alive() {
			stale = append(stale, fields[0])
		}
	}
	for _, name := range stale {
		deleteUser(ctx, name) // another test process may be removing it too
	}
}

// runLocked runs a shadow-utils command, retrying while another process
// holds the lock on /etc/passwd (go test runs packages in parallel).
func runLocked(ctx context.Context, stdin, name string, args ...string) error {
	for {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err == nil {
			return nil
		}
		if !strings.Contains(string(out), "lock") {
			return fmt.Errorf("sshdtest: %s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sshdtest: %s: %w: %s", name, ctx.Err(), strings.TrimSpace(string(out)))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// randomHex returns 2n random hex digits.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// shellPath returns the absolute path of a login shell; "" is /bin/sh.
func shellPath(shell string) (string, error) {
	if shell == "" {
		return "/bin/sh", nil
	}
	p, err := exec.LookPath(shell)
	if err != nil {
		return "", fmt.Errorf("sshdtest: login shell %s: %w", shell, err)
	}
	return filepath.Abs(p)
}

// RequireShell skips the test, or fails it under CI=true, unless the
// shell is installed (scripts/install-deps.sh installs zsh, fish, tcsh
// and mksh).
func RequireShell(t testing.TB, shell string) {
	t.Helper()
	_, err := shellPath(shell)
	testenv.Require(t, err == nil, fmt.Sprint(err))
}
