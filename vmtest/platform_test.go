package vmtest

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// requireLinux skips the test off Linux, saying why.
func requireLinux(t *testing.T, why string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("Linux only: %s", why)
	}
}

// requireSupported skips the test where the server cannot run.
func requireSupported(t *testing.T) {
	t.Helper()
	if err := supported(); err != nil {
		t.Skip(err)
	}
}

// psStat returns the state letter, parent pid and process group of pid,
// as ps reports them: procStat's first fields where there is no /proc.
func psStat(pid int) ([]string, bool) {
	out, err := exec.Command("ps", "-o", "stat=,ppid=,pgid=", "-p", strconv.Itoa(pid)).Output()
	f := strings.Fields(string(out))
	if err != nil || len(f) != 3 || f[0] == "" {
		return nil, false
	}
	f[0] = f[0][:1]
	return f, true
}

func TestPsStatAgreesWithProc(t *testing.T) {
	t.Parallel()
	requireLinux(t, "compares ps with /proc")
	if _, err := exec.LookPath("ps"); err != nil {
		t.Skip("no ps")
	}
	pid := os.Getpid()
	proc, ok := procStat(pid)
	ps, psOK := psStat(pid)
	if !ok || !psOK || proc[1] != ps[1] || proc[2] != ps[2] {
		t.Errorf("ps %v (%v), /proc %v (%v): want the same ppid and pgid", ps, psOK, proc, ok)
	}
	if _, ok := psStat(1 << 30); ok {
		t.Error("psStat found a process that cannot exist")
	}
}

func TestSignalTable(t *testing.T) {
	t.Parallel()
	for name, sig := range signals {
		if got := signalName(sig); got != name {
			t.Errorf("signalName(%v) = %q, want %q", sig, got, name)
		}
	}
	if runtime.GOOS != "windows" {
		// RFC 4254 6.10 names these thirteen.
		for _, name := range strings.Fields("ABRT ALRM FPE HUP ILL INT KILL PIPE QUIT SEGV TERM USR1 USR2") {
			if _, ok := signals[name]; !ok {
				t.Errorf("signal %s missing", name)
			}
		}
	}
	if got := signalName(0); got != "SIG@openssh.com" {
		t.Errorf("signalName(0) = %q, want SIG@openssh.com", got)
	}
}

func TestErrUnsupported(t *testing.T) {
	t.Parallel()
	msg := ErrUnsupported.Error()
	if !errors.Is(ErrUnsupported, errors.ErrUnsupported) {
		t.Error("ErrUnsupported does not match errors.ErrUnsupported")
	}
	if !strings.HasPrefix(msg, "vmtest: ") || strings.Count(msg, "vmtest: ") != 1 ||
		strings.ContainsAny(msg, "\n.") || !strings.Contains(msg, runtime.GOOS) {
		t.Errorf("message %q: want one sentence, prefixed once, naming %s", msg, runtime.GOOS)
	}
}

func TestStartWhereUnsupported(t *testing.T) {
	t.Parallel()
	err := supported()
	if runtime.GOOS == "windows" {
		if !errors.Is(err, ErrUnsupported) {
			t.Fatalf("supported() = %v on windows", err)
		}
		if _, err := Start(Options{}); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Start = %v, want ErrUnsupported", err)
		}
		defer func() {
			if r := recover(); r != ErrUnsupported.Error() {
				t.Errorf("NewServer panicked with %v, want %q", r, ErrUnsupported)
			}
		}()
		NewServer()
		return
	}
	if err != nil {
		t.Fatalf("supported() = %v on %s", err, runtime.GOOS)
	}
}
