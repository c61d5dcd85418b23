//go:build linux

package qemuvm

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/vmconn/vmconn/internal/testenv"
)

// accelEnv names the environment variable that forces an accelerator.
const accelEnv = "VMCONN_QEMUVM_ACCEL"

// trial remembers the outcome of the KVM trial boot within a test binary.
var trial struct {
	once  sync.Once
	accel string
}

// chooseAccel returns the accelerator to use: the one asked for, else
// KVM when a trial boot with it works, else TCG.
func chooseAccel(ctx context.Context, asked string, img *Image) (string, error) {
	switch a := cmp.Or(asked, os.Getenv(accelEnv)); a {
	case "kvm", "tcg":
		return a, nil
	case "":
	default:
		return "", fmt.Errorf("qemuvm: unknown accelerator %q (want kvm or tcg)", a)
	}
	trial.once.Do(func() { trial.accel = Accel(ctx, img) })
	return trial.accel, nil
}

// Accel returns "kvm" when QEMU can run the image's kernel with KVM, else
// "tcg". /dev/kvm may open where KVM still cannot run a guest (nested
// virtualization turned off, a sandbox), so it boots the kernel with KVM
// and waits, for at most 20 seconds, for its first console line.
func Accel(ctx context.Context, img *Image) string {
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		return "tcg"
	}
	f.Close()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var out lockedBuffer
	cmd := exec.CommandContext(ctx, testenv.LookPath("qemu-system-x86_64"),
		"-nodefaults", "-no-user-config", "-display", "none", "-accel", "kvm", "-cpu", "host",
		"-m", "128", "-kernel", img.Kernel, "-append", "console=ttyS0 panic=-1 rdinit=/none",
		"-serial", "stdio", "-no-reboot")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "tcg"
	}
	ok := testenv.Poll(20*time.Second, func() bool { return strings.Contains(out.String(), "Linux version") || ctx.Err() != nil })
	cancel()
	_ = cmd.Wait()
	if ok && strings.Contains(out.String(), "Linux version") {
		return "kvm"
	}
	return "tcg"
}

// cpuModel returns the CPU QEMU emulates: the host's with KVM, the
// most capable model with TCG.
func cpuModel(accel string) string {
	if accel == "kvm" {
		return "host"
	}
	return "max"
}

// hostArch returns the architecture of the machine the tests run on.
func hostArch() string { return runtime.GOARCH }

// lockedBuffer is a bytes.Buffer safe for one writer and one reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
