//go:build linux

package qemuvm

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/testenv"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// DefaultBootTimeout bounds the first boot, from QEMU's start to sshd's
// banner, when Options.BootTimeout is zero. A boot takes about 5 s of CPU
// time under TCG, but on a machine shared with busy tests a minute or two
// may pass before it has had them.
const DefaultBootTimeout = 5 * time.Minute

// kernelArgs is the kernel's command line: its console on the serial
// port, a reboot at once on a panic, and no work that only slows a boot
// under TCG (crypto self-tests, CPU bug mitigations, timer checks).
const kernelArgs = "console=ttyS0 panic=-1 quiet loglevel=3 cryptomgr.notests mitigations=off tsc=reliable no_timer_check"

// Options configure Start. The zero value is a machine with 256 MiB, run
// with KVM when a trial boot with it works, else with TCG.
type Options struct {
	// MemoryMiB is the guest's memory. Zero means 256.
	MemoryMiB int

	// Accel is QEMU's accelerator, "kvm" or "tcg". Zero means the
	// environment variable VMCONN_QEMUVM_ACCEL if set, else KVM when a
	// trial boot with it works (see Accel), else TCG.
	Accel string

	// BootTimeout bounds the first boot. Zero means DefaultBootTimeout.
	BootTimeout time.Duration

	// Tap, if set, puts the guest on a tap device in a network namespace
	// instead of user-mode networking; Addr is then the guest's own
	// address, reachable from that namespace only (see VM.Dial).
	Tap *Tap
}

// VM is a running QEMU machine booted from an Image. Its fields are set
// by Start and must not be changed; its methods are safe for concurrent
// use.
type VM struct {
	Addr           string        // "127.0.0.1:PORT", forwarded by QEMU to the guest's port 22; with a Tap, "GUEST:22"
	User           string        // "root"
	ClientSigner   ssh.Signer    // a key authorized for User
	ClientKeyFile  string        // ClientSigner's private key (OpenSSH format)
	KnownHostsFile string        // trusts HostKey at Addr
	HostKey        ssh.PublicKey // sshd's host key, the same at every boot
	Accel          string        // "kvm" or "tcg"
	Dir            string        // the run's directory: serial log, pid file, monitor socket
	BootTime       time.Duration // the first boot: QEMU's start to sshd's banner
	BootCPU        time.Duration // the CPU time QEMU used in that time

	tb      testing.TB
	tap     *Tap
	cmd     *exec.Cmd
	done    chan struct{} // closed when QEMU has exited
	waitErr error         // QEMU's exit, once done is closed
}

// Start boots a machine and returns once its sshd answers on Addr. It
// skips tb when QEMU or apt is missing (fails it under CI=true), and
// fails it on any other error. t.Cleanup kills QEMU and removes the
// run's directory; machines left behind by a test process that died are
// killed by the next Start (a stale sweep).
func Start(tb testing.TB, o *Options) *VM {
	tb.Helper()
	Require(tb)
	if o == nil {
		o = &Options{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	img, err := LoadImage(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	root, err := cacheRoot()
	if err != nil {
		tb.Fatalf("qemuvm: %v", err)
	}
	sweep(tb, filepath.Join(root, "runs"))
	vm := &VM{User: "root", ClientSigner: img.ClientSigner, ClientKeyFile: img.ClientKeyFile, HostKey: img.HostKey, tb: tb, tap: o.Tap}
	if vm.Accel, err = chooseAccel(ctx, o.Accel, img); err != nil {
		tb.Fatal(err)
	}
	if vm.Dir, err = newRunDir(filepath.Join(root, "runs")); err != nil {
		tb.Fatalf("qemuvm: %v", err)
	}
	tb.Cleanup(vm.cleanup)
	start := time.Now()
	if err := vm.launch(img, o); err != nil {
		tb.Fatalf("qemuvm: %v\n%s", err, vm.SerialLog(40))
	}
	bctx, bcancel := context.WithTimeout(ctx, cmp.Or(o.BootTimeout, DefaultBootTimeout))
	defer bcancel()
	if err := vm.WaitSSH(bctx); err != nil {
		tb.Fatalf("qemuvm: first boot (%s): %v\n%s", vm.Accel, err, vm.SerialLog(60))
	}
	vm.BootTime, vm.BootCPU = time.Since(start), cpuTime(vm.cmd.Process.Pid)
	tb.Logf("qemuvm: booted with %s in %v (%v of CPU time)", vm.Accel, vm.BootTime.Round(time.Millisecond), vm.BootCPU)
	return vm
}

// Require skips tb unless QEMU and the Debian tools that build an image
// are here, and the machine is an amd64 Linux (fails it under CI=true).
func Require(tb testing.TB) {
	tb.Helper()
	testenv.Require(tb, hostArch() == "amd64", "qemuvm needs an amd64 machine")
	for _, name := range []string{"qemu-system-x86_64", "apt-get", "apt-cache", "dpkg", "dpkg-deb"} {
		testenv.Require(tb, testenv.LookPath(name) != "", "qemuvm needs "+name+" (scripts/install-deps.sh installs qemu-system-x86)")
	}
}

// launch starts QEMU, retrying with another port when the one picked was
// taken meanwhile.
func (vm *VM) launch(img *Image, o *Options) error {
	if vm.tap != nil {
		vm.Addr = net.JoinHostPort(vm.tap.GuestAddr.Addr().String(), "22")
		if err := vm.tap.setUp(context.Background()); err != nil {
			return err
		}
		if err := vm.startQEMU(img, o, 0); err != nil {
			return err
		}
		return vm.writeKnownHosts()
	}
	var err error
	for range 3 {
		var port int
		if port, err = freePort(); err != nil {
			return err
		}
		vm.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if err = vm.startQEMU(img, o, port); err == nil {
			return vm.writeKnownHosts()
		}
		if !strings.Contains(err.Error(), "host forwarding") {
			return err
		}
	}
	return err
}

// startQEMU starts QEMU and returns once it runs (it exits at once on a
// bad option or a taken port).
func (vm *VM) startQEMU(img *Image, o *Options, port int) error {
	netdev := []string{"-netdev", fmt.Sprintf("user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:%d-:22", port)}
	kernel := kernelArgs
	if vm.tap != nil {
		var more string
		netdev, more = vm.tap.netArgs()
		kernel += more
	}
	args := []string{
		"-name", "vmconn-qemuvm", "-nodefaults", "-no-user-config", "-display", "none",
		"-accel", vm.Accel, "-cpu", cpuModel(vm.Accel),
		"-smp", "1", "-m", strconv.Itoa(cmp.Or(o.MemoryMiB, 256)),
		"-kernel", img.Kernel, "-initrd", img.Initrd,
		"-append", kernel,
		"-serial", "file:" + vm.path("serial.log"),
		"-monitor", "unix:" + vm.path("monitor.sock") + ",server=on,wait=off",
		"-device", "virtio-net-pci,netdev=net0,romfile=",
		"-pidfile", vm.path("qemu.pid"),
	}
	args = append(args, netdev...)
	cmd := exec.Command(testenv.LookPath("qemu-system-x86_64"), args...)
	if vm.tap != nil {
		// "ip netns exec" execs QEMU: the pid, and the parent death
		// signal, stay QEMU's.
		cmd = exec.Command(testenv.LookPath("ip"), append([]string{"netns", "exec", vm.tap.NS, cmd.Path}, args...)...)
	}
	stderr, err := os.Create(vm.path("qemu.log"))
	if err != nil {
		return err
	}
	defer stderr.Close()
	cmd.Stdout, cmd.Stderr = stderr, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	vm.cmd, vm.done = cmd, make(chan struct{})
	go func() {
		vm.waitErr = cmd.Wait()
		close(vm.done)
	}()
	// QEMU writes its pid file once it has set up its devices and the
	// forwarding: after that it does not exit by itself.
	ok := testenv.Poll(10*time.Second, func() bool {
		select {
		case <-vm.done:
			return true
		default:
		}
		_, err := os.Stat(vm.path("qemu.pid"))
		return err == nil
	})
	select {
	case <-vm.done:
		return fmt.Errorf("qemu exited: %v: %s", vm.waitErr, readTail(vm.path("qemu.log"), 2000))
	default:
	}
	if !ok {
		return errors.New("qemu wrote no pid file within 10s")
	}
	return nil
}

// writeKnownHosts writes a known_hosts file that trusts the host key at
// Addr.
func (vm *VM) writeKnownHosts() error {
	vm.KnownHostsFile = vm.path("known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(vm.Addr)}, vm.HostKey)
	return os.WriteFile(vm.KnownHostsFile, []byte(line+"\n"), 0o600)
}

// WaitSSH returns once sshd sends its banner on Addr, bounded by ctx.
// QEMU accepts connections on Addr at all times and closes them when the
// guest does not answer: only the banner tells that the guest's sshd is
// up.
func (vm *VM) WaitSSH(ctx context.Context) error {
	for {
		if err := vm.exited(); err != nil {
			return err
		}
		if banner(ctx, vm.Dial, vm.Addr) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no SSH banner at %s: %w", vm.Addr, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// banner reports whether an SSH server sends its banner at addr within
// a few seconds.
func banner(ctx context.Context, dial func(context.Context, string, string) (net.Conn, error), addr string) bool {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	c, err := dial(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	defer c.Close()
	deadline, _ := ctx.Deadline()
	_ = c.SetDeadline(deadline)
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.HasPrefix(line, "SSH-")
}

// Dial connects to addr: from the Tap's namespace when there is one, else
// from the test process's own (for vmconn.Config.DialContext).
func (vm *VM) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if vm.tap != nil && vm.tap.Dial != nil {
		return vm.tap.Dial(ctx, network, addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// exited returns an error once QEMU has exited.
func (vm *VM) exited() error {
	select {
	case <-vm.done:
		return fmt.Errorf("qemu exited: %v: %s", vm.waitErr, readTail(vm.path("qemu.log"), 2000))
	default:
		return nil
	}
}

// BootIDs returns the boot ids of the guest's boots so far, in order,
// as the guest printed them to its console once its network was up.
func (vm *VM) BootIDs() []string {
	data, _ := os.ReadFile(vm.path("serial.log"))
	var ids []string
	for _, line := range strings.Split(string(data), "\n") {
		if i := strings.Index(line, readyMarker); i >= 0 {
			ids = append(ids, strings.TrimSpace(line[i+len(readyMarker):]))
		}
	}
	return ids
}

// SerialLog returns the last n lines of the guest's console: the
// kernel's messages, the boot script's and sshd's log.
func (vm *VM) SerialLog(n int) string {
	data, _ := os.ReadFile(vm.path("serial.log"))
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// cleanup kills QEMU, waits for it and removes the run's directory.
func (vm *VM) cleanup() {
	if vm.cmd != nil {
		_ = vm.cmd.Process.Kill()
		select {
		case <-vm.done:
		case <-time.After(30 * time.Second):
			vm.tb.Errorf("qemuvm: qemu (pid %d) did not exit within 30s of SIGKILL", vm.cmd.Process.Pid)
			return
		}
	}
	if vm.tb.Failed() {
		vm.tb.Logf("qemuvm: console of the machine at %s (%s):\n%s", vm.Addr, vm.Accel, vm.SerialLog(80))
	}
	if err := os.RemoveAll(vm.Dir); err != nil {
		vm.tb.Errorf("qemuvm: %v", err)
	}
}

// path returns the name of a file in Dir.
func (vm *VM) path(name string) string { return filepath.Join(vm.Dir, name) }

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// readTail returns the last max bytes of a file.
func readTail(name string, max int) string {
	data, _ := os.ReadFile(name)
	if len(data) > max {
		data = data[len(data)-max:]
	}
	return string(data)
}
