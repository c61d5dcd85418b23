package vmtest

import (
	"reflect"
	"testing"
)

func TestIntercept(t *testing.T) {
	t.Parallel()
	const (
		shell = iota
		bootID
		reboot
		refused
	)
	fakes := map[int]fakeCommand{bootID: catBootID, reboot: fakeReboot, refused: refusePower}
	tests := []struct {
		cmdline string
		want    int
	}{
		{"cat /proc/sys/kernel/random/boot_id", bootID},
		{" cat /proc/sys/kernel/random/boot_id\n", bootID},
		{"cat /proc/sys/kernel/random/boot_id; true", shell},
		{"echo hello", shell},
		{"uptime", shell},
		{"rebooter --help", shell},
		{"reboot", reboot},
		{"sudo reboot", reboot},
		{"sudo -n reboot", reboot},
		{"sudo -u root -n /sbin/reboot", reboot},
		{"sudo -- reboot -f", reboot},
		{"shutdown -r now", reboot},
		{"/usr/sbin/poweroff", reboot},
		{"halt", reboot},
		{"systemctl reboot", reboot},
		{"sudo systemctl --no-block reboot", reboot},
		{"systemctl poweroff", reboot},
		{"init 6", reboot},
		{"sudo telinit 0", reboot},
		{"init 3", shell},
		{"systemctl status", shell},
		{"systemctl suspend", refused},
		{"echo reboot", refused},
		{"sleep 1 && sudo reboot", refused},
		{"nohup sh -c 'sleep 1; reboot' >/dev/null 2>&1 &", refused},
		{"sh -c 'init 0'", refused},
		{"echo b > /proc/sysrq-trigger", refused},
	}
	for _, tt := range tests {
		got := intercept(tt.cmdline)
		want := fakes[tt.want]
		if reflect.ValueOf(got).Pointer() != reflect.ValueOf(want).Pointer() {
			t.Errorf("intercept(%q) = %v, want %v", tt.cmdline, name(got), name(want))
		}
	}
}

// name describes a fake for test messages.
func name(f fakeCommand) string {
	if f == nil {
		return "shell"
	}
	return reflect.ValueOf(f).String()
}

// TestInterceptAfterVmconnPrefix: vmconn's marker prefix does not hide
// a reboot or boot id read from the interceptor, and does not turn a
// refused line into an accepted one.
func TestInterceptAfterVmconnPrefix(t *testing.T) {
	const prefix = "export VMCONN_CMD=0123abcd-7; "
	if intercept(prefix+"reboot") == nil || intercept(prefix+bootIDCommand) == nil {
		t.Error("prefixed reboot or boot id read not intercepted")
	}
	if intercept(prefix+"echo reboot") == nil {
		t.Error("prefixed power word not refused")
	}
	if intercept(prefix+"echo hi") != nil {
		t.Error("prefixed plain command intercepted")
	}
}
