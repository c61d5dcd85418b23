// Package qemuvm runs a real virtual machine for the tests that only a
// real machine shows: a reboot of a real kernel, a link that goes down
// inside the guest. It is the heavy sibling of internal/vmhost (which
// uses namespaces of the test machine's own kernel).
//
// # The image
//
// LoadImage builds a tiny bootable Linux from Debian packages, fetched
// with "apt-get download" and unpacked with "dpkg-deb -x", nothing
// compiled and no disk image: Debian's kernel (the package behind
// linux-image-amd64), booted with QEMU's -kernel and -initrd, and an
// initramfs (an uncompressed cpio archive written by this package)
// holding busybox-static (the whole userland: no flock, no GNU tail),
// OpenSSH's sshd and sftp-server, the shared libraries these programs name (found by reading their ELF headers and
// mapped to packages with "dpkg -S" on this machine), and the virtio-net
// driver's kernel modules with those they depend on (from the modules'
// .modinfo; .ko.xz and .ko.zst are decompressed with xz and zstd). The
// initramfs is the guest's root file system: busybox init runs a boot
// script (mounts, insmod, a static address in QEMU's user-mode network)
// and keeps sshd running; nothing written survives a reboot.
//
// The image holds a host key and authorizes one key for root, both made
// when it is built. Images are cached under
// os.UserCacheDir()/vmconn-qemuvm/image-KEY, where KEY hashes the
// package versions apt would fetch now and the recipe: a new kernel or
// OpenSSH version builds a new image (well under a minute, and about
// 80 MB of downloads) and removes the older ones.
//
// # A machine
//
// Start boots QEMU (KVM when a trial boot with it works, else TCG;
// /dev/kvm may open where KVM cannot run a guest) with 256 MiB, one CPU,
// a virtio-net NIC on user-mode networking with restrict=on (the guest
// reaches nothing outside QEMU) and the guest's port 22 forwarded to a
// loopback port (VM.Addr), and returns once sshd sends its banner there.
// QEMU itself accepts connections on that port while the guest boots,
// and closes them once the guest does not answer. A reboot inside the
// guest (busybox "reboot -f", or "reboot") makes QEMU reset the machine,
// which boots the same kernel and initramfs again, with a new boot id
// (/proc/sys/kernel/random/boot_id); the guest prints each boot's id to
// its console (VM.BootIDs, VM.SerialLog).
//
// With Options.Tap the guest's NIC is instead a tap device in a network
// namespace the test made (internal/netns), with addresses of the test's
// choosing: probes from that namespace then see the guest down, refusing
// on port 22, or answering, as a real machine on a real link (QEMU runs
// there through "ip netns exec"; VM.Dial connects from there).
//
// Each machine runs in a directory under the cache's runs/ (serial log,
// pid file, monitor socket, known_hosts). t.Cleanup kills QEMU and removes
// it; QEMU also dies with the test process (parent death signal), and
// the next Start kills any QEMU whose test process died (stale sweep).
//
// # Requirements
//
// An amd64 Linux machine with qemu-system-x86_64, apt-get, apt-cache,
// dpkg, dpkg-deb and OpenSSH's sshd installed, and apt's package lists
// (apt-get update); Options.Tap also needs root and ip. Without them Start skips the test, or fails it when
// CI=true. The package is Linux only: on other systems this file alone
// builds.
package qemuvm
