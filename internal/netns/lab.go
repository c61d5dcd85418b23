//go:build linux

package netns

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/testenv"
)

// namePrefix starts the name of every namespace a Lab makes; the pid of
// the making process and a random tag follow ("vmconn-1234-a1b2c3-web").
const namePrefix = "vmconn-"

// maxHosts is how many hosts fit in one lab's /24.
const maxHosts = 250

// Lab is a set of network namespaces joined by a bridge. Its methods are
// safe for concurrent use.
type Lab struct {
	tb     testing.TB
	prefix string // namePrefix + pid + tag
	bridge string // the namespace holding the bridge br0
	ip     string // path of the ip tool

	mu       sync.Mutex
	hosts    []*Host
	cleanups []func() // run in reverse order, before the namespaces go
}

// NewLab makes an empty lab: a namespace with a bridge. It skips tb (or
// fails it under CI=true) when labs cannot be made here, and removes the
// lab in tb's cleanup. It first removes namespaces that earlier, killed
// runs left behind.
func NewLab(tb testing.TB) *Lab {
	tb.Helper()
	Require(tb)
	removeStale(tb)
	var tag [3]byte
	_, _ = rand.Read(tag[:])
	l := &Lab{
		tb:     tb,
		prefix: namePrefix + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(tag[:]),
		ip:     lookTool("ip"),
	}
	l.bridge = l.prefix + "-br"
	if out, err := l.run("netns", "add", l.bridge); err != nil {
		testenv.Require(tb, false, fmt.Sprintf("netns: cannot make a network namespace: %v: %s", err, out))
	}
	tb.Cleanup(l.remove)
	l.must("-n", l.bridge, "link", "add", "br0", "type", "bridge")
	l.must("-n", l.bridge, "link", "set", "br0", "up")
	return l
}

// HostOptions configures a new host. The zero value is a host with no
// firewall rules.
type HostOptions struct {
	// Nft is an nft ruleset loaded into the host's namespace, as Host.Nft.
	Nft string
}

// AddHost makes a namespace for a host called name (letters, digits and
// '-'), plugs it into the lab's bridge and waits for its link to be up.
func (l *Lab) AddHost(name string, o *HostOptions) *Host {
	l.tb.Helper()
	if !regexp.MustCompile(`^[A-Za-z0-9-]{1,20}$`).MatchString(name) {
		l.tb.Fatalf("netns: bad host name %q", name)
	}
	l.mu.Lock()
	n := len(l.hosts) + 1 // .1 is the first host
	if n > maxHosts {
		l.mu.Unlock()
		l.tb.Fatalf("netns: a lab holds at most %d hosts", maxHosts)
	}
	h := &Host{
		Name: name,
		NS:   l.prefix + "-" + name,
		IPv4: netip.AddrFrom4([4]byte{192, 0, 2, byte(n)}),
		IPv6: netip.MustParseAddr("2001:db8::" + strconv.FormatInt(int64(n), 16)),
		lab:  l,
	}
	l.hosts = append(l.hosts, h)
	l.mu.Unlock()
	h.plug("v" + strconv.Itoa(n))
	if o != nil && o.Nft != "" {
		h.Nft(o.Nft)
	}
	return h
}

// plug makes the host's namespace and its veth pair, the peer on br0.
func (h *Host) plug(peer string) {
	l := h.lab
	l.must("netns", "add", h.NS)
	l.must("-n", h.NS, "link", "set", "lo", "up")
	l.must("-n", h.NS, "link", "add", "eth0", "type", "veth", "peer", "name", peer, "netns", l.bridge)
	l.must("-n", l.bridge, "link", "set", peer, "master", "br0")
	l.must("-n", l.bridge, "link", "set", peer, "up")
	l.must("-n", h.NS, "addr", "add", h.IPv4.String()+"/24", "dev", "eth0")
	l.must("-n", h.NS, "addr", "add", h.IPv6.String()+"/64", "dev", "eth0", "nodad")
	l.must("-n", h.NS, "link", "set", "eth0", "up")
	h.waitLink(peer)
}

// waitLink waits until the host's eth0 is up and its bridge port
// forwards, which takes milliseconds; it fails the test after 5s.
func (h *Host) waitLink(peer string) {
	l := h.lab
	bridge := lookTool("bridge")
	for range 100 {
		up, _ := l.run("-n", h.NS, "-o", "link", "show", "dev", "eth0")
		fwd := []byte("state forwarding")
		if bridge != "" {
			fwd, _ = exec.Command(bridge, "-n", l.bridge, "link", "show", "dev", peer).Output()
		}
		if bytes.Contains(up, []byte("state UP")) && bytes.Contains(fwd, []byte("state forwarding")) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	l.tb.Fatalf("netns: link of host %s did not come up", h.Name)
}

// Hosts returns the lab's hosts in the order they were added.
func (l *Lab) Hosts() []*Host {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*Host(nil), l.hosts...)
}

// onCleanup registers f to run when the lab is removed, before its
// namespaces are deleted.
func (l *Lab) onCleanup(f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cleanups = append(l.cleanups, f)
}

// remove stops what the lab started and deletes its namespaces.
func (l *Lab) remove() {
	l.mu.Lock()
	cleanups, hosts := l.cleanups, l.hosts
	l.cleanups = nil
	l.mu.Unlock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	for _, h := range hosts {
		if err := deleteNamespace(l.ip, h.NS); err != nil {
			l.tb.Errorf("netns: %v", err)
		}
	}
	if err := deleteNamespace(l.ip, l.bridge); err != nil {
		l.tb.Errorf("netns: %v", err)
	}
}

// run runs the ip tool with args.
func (l *Lab) run(args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, l.ip, args...).CombinedOutput()
}

// must runs the ip tool and fails the test if it fails.
func (l *Lab) must(args ...string) {
	l.tb.Helper()
	if out, err := l.run(args...); err != nil {
		l.tb.Fatalf("netns: ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// deleteNamespace kills every process left in the namespace, then
// deletes it (which also deletes its interfaces).
func deleteNamespace(ip, ns string) error {
	if _, err := os.Stat("/run/netns/" + ns); os.IsNotExist(err) {
		return nil
	}
	killAll(ip, ns)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, ip, "netns", "del", ns).CombinedOutput(); err != nil {
		return fmt.Errorf("deleting namespace %s: %v: %s", ns, err, out)
	}
	return nil
}

// killAll sends SIGKILL to every process in the namespace but this one.
func killAll(ip, ns string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, ip, "netns", "pids", ns).Output()
	for _, f := range strings.Fields(string(out)) {
		pid, err := strconv.Atoi(f)
		if err == nil && pid != os.Getpid() {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// staleName matches a lab namespace's name, capturing its maker's pid.
var staleName = regexp.MustCompile(`^` + namePrefix + `(\d+)-[0-9a-f]{6}-`)

// removeStale deletes lab namespaces whose making process is gone.
func removeStale(tb testing.TB) {
	entries, err := os.ReadDir("/run/netns")
	if err != nil {
		return
	}
	ip := lookTool("ip")
	for _, e := range entries {
		m := staleName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		pid, _ := strconv.Atoi(m[1])
		if pid == os.Getpid() || processExists(pid) {
			continue
		}
		if err := deleteNamespace(ip, e.Name()); err != nil {
			tb.Logf("netns: removing stale namespace: %v", err)
		} else {
			tb.Logf("netns: removed stale namespace %s", e.Name())
		}
	}
}

// processExists reports whether a process with this pid runs.
func processExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
