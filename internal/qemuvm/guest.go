//go:build linux

package qemuvm

import (
	"golang.org/x/crypto/ssh"
)

// The guest's files besides programs, libraries and modules. The kernel
// runs /init, busybox's init, which runs /etc/rc.boot and then keeps
// sshd running, in the foreground and logging to the console (the serial
// log). The machine's root file system is the initramfs itself: every
// boot starts from the same files, so nothing written survives a reboot.

// readyMarker starts the line rc.boot prints to the console when the
// network is up; the boot id follows it.
const readyMarker = "qemuvm: up boot_id="

// The guest's address and gateway in QEMU's user-mode network; the
// kernel's command line may give others (qemuvm.ip=, qemuvm.gw=).
const (
	guestAddr = "10.0.2.15/24"
	guestGW   = "10.0.2.2"
)

const inittab = `::sysinit:/etc/rc.boot
::respawn:/usr/sbin/sshd -D -e
::ctrlaltdel:/bin/reboot -f
`

const rcBoot = `#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p -m 755 /run/sshd
hostname qemuvm
while read -r m; do insmod /lib/modules/$m.ko || echo "qemuvm: insmod $m failed"; done </lib/modules/order
addr=` + guestAddr + ` gw=` + guestGW + `
for a in $(cat /proc/cmdline); do
	case $a in qemuvm.ip=*) addr=${a#*=} ;; qemuvm.gw=*) gw=${a#*=} ;; esac
done
ip link set lo up
ip link set eth0 up
ip addr add $addr dev eth0
ip route add default via $gw
echo "` + readyMarker + `$(cat /proc/sys/kernel/random/boot_id)"
`

const sshdConfig = `Port 22
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
PrintMotd no
PrintLastLog no
PidFile /run/sshd.pid
MaxSessions 64
MaxStartups 64
Subsystem sftp /usr/lib/openssh/sftp-server
`

// addSystem adds the configuration: init's, sshd's, the users, and
// root's authorized key.
func addSystem(t tree, client ssh.PublicKey) {
	t.link("init", "bin/busybox")
	t.link("bin/sh", "busybox")
	for _, d := range []string{"proc", "sys", "dev", "run", "root/.cache", "var/log", "etc"} {
		t.dir(d, 0o755)
	}
	t.dir("tmp", 0o1777)
	t.dir("root", 0o700)
	t.file("etc/inittab", 0o644, []byte(inittab))
	t.file("etc/rc.boot", 0o755, []byte(rcBoot))
	t.file("etc/ssh/sshd_config", 0o644, []byte(sshdConfig))
	t.file("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\nsshd:x:100:65534::/run/sshd:/bin/false\nnobody:x:65534:65534:nobody:/:/bin/false\n"))
	t.file("etc/group", 0o644, []byte("root:x:0:\ntty:x:5:\nnogroup:x:65534:\n"))
	t.file("etc/shadow", 0o600, []byte("root:*:19000:0:99999:7:::\nsshd:*:19000:0:99999:7:::\n"))
	t.file("root/.ssh/authorized_keys", 0o600, ssh.MarshalAuthorizedKey(client))
	t.dir("root/.ssh", 0o700)
}
