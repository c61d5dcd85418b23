// Package vmhost runs a stand-in for a virtual machine, for the fault
// tests that only a real kernel and a real OpenSSH sshd can show, as
// net/http/httptest runs a stand-in for an HTTP server. The machine can
// be rebooted (by the harness, or from inside with the reboot(2) system
// call), have its sshd restarted, and have its network link cut.
//
// Start makes a netns lab with two hosts: "vm", the network namespace the
// machine runs in, and "client", the namespace tests connect from
// (Host.Dial, for vmconn.Config.DialContext). The test process stays in
// its own namespaces, and none of them is changed: no address, route or
// firewall rule is added outside the lab, whose addresses are in the
// documentation ranges 192.0.2.0/24 and 2001:db8::/64.
//
// # A boot
//
// Each boot starts a PID 1 in a new PID namespace and a new mount
// namespace inside the vm's network namespace. PID 1 mounts a fresh /proc,
// bind-mounts the harness's boot id file over
// /proc/sys/kernel/random/boot_id, so that sshd and its commands see a
// boot id of the harness's choosing, and empty files over root's shell
// start-up files (~/.bashrc, ~/.profile...), which would otherwise cost
// time and print on every command; then it only reaps orphans. The
// harness starts sshd inside those namespaces (with nsenter), listening
// on port 22 of the vm's addresses, and returns once sshd sends its SSH
// banner to the client namespace. Root logs in with ClientKeyFile; the
// host key is the same across boots, unless RebootWithNewHostKey makes a
// new one.
//
// # Faults
//
// Reboot kills PID 1, upon which the kernel kills every process of the
// PID namespace, those that detached themselves (nohup setsid) too; it
// then writes a new boot id and, after Options.Downtime, boots again on
// the same address. RestartSSHD restarts sshd alone: open connections go
// on, as with "systemctl restart ssh", unless it is asked to kill them.
// CutLink makes the vm's link drop every packet (a half-open link: nothing
// is closed) or reset every TCP connection; RestoreLink mends it.
//
// A reboot can also come from inside: the reboot(2) system call (for
// example "busybox reboot -f" run over SSH) made in a PID namespace other
// than the machine's initial one does not reboot the machine: it ends
// that namespace's PID 1 as if killed by SIGHUP (SIGINT for halt and
// power-off), see pid_namespaces(7). The harness notices, records the
// boot as ended by RebootCall and boots again after the downtime with a
// new boot id, so a client's Reboot can be tested end to end. After a
// halt or a power-off the machine stays down, as a real one would.
//
// # Safety: no test reboots the machine it runs on
//
// A reboot command sent over SSH runs in a session of the harness's sshd,
// and so inside the boot's PID namespace, never in the test machine's.
// The harness makes sure of it at every boot, before sshd starts: PID 1
// must be PID 1 of a PID namespace nested right inside the test process's
// own (its NSpid line in /proc lists two pids, the inner one 1), neither
// the test process's namespace nor that of the machine's init; otherwise
// the harness kills it and fails. sshd is started in that namespace
// through namespace files opened from PID 1 and checked to be its (a pid
// reused after PID 1 died cannot lead elsewhere), and sshd's own PID
// namespace is checked again before anything connects to it. Every
// signal the harness sends goes through a pidfd to a process it has just
// checked, never to a reused pid, a process group or init. The client
// reaches nothing but the lab (its namespace has no route out), and
// KnownHostsFile trusts only the harness's host key, so commands cannot
// reach another sshd either. A test must still never run a reboot
// command locally.
//
// # Cleanup and requirements
//
// t.Cleanup kills PID 1 (and so every process of the machine), waits for
// the harness's goroutines, and removes the namespaces and files, also
// when the test fails; the sshd and harness logs are printed then. If the
// test process dies without cleaning up, PID 1 dies with it (its parent
// death signal is SIGKILL) and the next lab removes the namespaces.
//
// The harness needs root, OpenSSH's sshd (or Dropbear, for
// Options.Server; busybox for Options.BusyboxPATH), util-linux's nsenter
// and mount, and what netns needs (ip, nft). Without them Start skips the test, or
// fails it when the environment has CI=true.
//
// The package is Linux only: on other systems it is empty (this file
// alone builds), and tests that use it carry a linux build tag.
package vmhost
