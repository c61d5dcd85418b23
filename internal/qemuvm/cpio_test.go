//go:build linux

package qemuvm

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// readCPIO parses a newc archive into its entries, in order.
func readCPIO(t *testing.T, data []byte) []entry {
	t.Helper()
	var out []entry
	for len(data) >= 110 {
		hdr := string(data[:110])
		if hdr[:6] != "070701" {
			t.Fatalf("bad magic %q", hdr[:6])
		}
		field := func(i int) int {
			v, err := strconv.ParseUint(hdr[6+8*i:14+8*i], 16, 32)
			if err != nil {
				t.Fatalf("header field %d: %v", i, err)
			}
			return int(v)
		}
		mode, size, namesize := field(1), field(6), field(11)
		if len(data) < 110+namesize+pad4(110+namesize)+size {
			t.Fatalf("archive cut short in an entry of %d bytes", size)
		}
		name := string(data[110 : 110+namesize-1])
		data = data[110+namesize+pad4(110+namesize):]
		body := data[:size]
		data = data[size+pad4(size):]
		if name == "TRAILER!!!" {
			if len(bytes.Trim(data, "\x00")) != 0 {
				t.Errorf("%d bytes after the trailer", len(data))
			}
			return out
		}
		e := entry{Path: name, Mode: fs.FileMode(mode & 0o7777)}
		switch mode &^ 0o7777 {
		case cpioDir:
			e.Dir = true
		case cpioLink:
			e.Link = string(body)
		case cpioFile:
			e.Data = body
		default:
			t.Fatalf("%s: mode %o", name, mode)
		}
		out = append(out, e)
	}
	t.Fatal("no trailer")
	return nil
}

// The archive holds every entry, parents first, with the directories
// above each path made implicitly, in a layout the cpio program reads.
func TestWriteCPIO(t *testing.T) {
	tr := tree{}
	tr.file("etc/ssh/sshd_config", 0o644, []byte("Port 22\n"))
	tr.file("bin/busybox", 0o755, []byte("odd length"))
	tr.link("bin/sh", "busybox")
	tr.dir("root", 0o700)
	var buf bytes.Buffer
	if err := writeCPIO(&buf, tr); err != nil {
		t.Fatal(err)
	}
	if buf.Len()%4 != 0 {
		t.Errorf("archive of %d bytes, not a multiple of 4", buf.Len())
	}
	got := readCPIO(t, buf.Bytes())
	want := []string{"bin", "bin/busybox", "bin/sh", "etc", "etc/ssh", "etc/ssh/sshd_config", "root"}
	if len(got) != len(want) {
		t.Fatalf("entries %v; want %v", got, want)
	}
	for i, e := range got {
		if e.Path != want[i] {
			t.Errorf("entry %d is %s; want %s", i, e.Path, want[i])
		}
		if w := tr[e.Path]; w.Mode != e.Mode || w.Dir != e.Dir || w.Link != e.Link || !bytes.Equal(w.Data, e.Data) {
			t.Errorf("%s: got %+v; want %+v", e.Path, e, *w)
		}
	}
	if cpio, err := exec.LookPath("cpio"); err == nil {
		dir := t.TempDir()
		cmd := exec.Command(cpio, "-idm", "--quiet")
		cmd.Dir, cmd.Stdin = dir, bytes.NewReader(buf.Bytes())
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("cpio -i: %v: %s", err, out)
		}
		if target, err := os.Readlink(filepath.Join(dir, "bin/sh")); err != nil || target != "busybox" {
			t.Errorf("bin/sh unpacked as %q, %v", target, err)
		}
		if data, err := os.ReadFile(filepath.Join(dir, "etc/ssh/sshd_config")); err != nil || string(data) != "Port 22\n" {
			t.Errorf("sshd_config unpacked as %q, %v", data, err)
		}
	}
}

// needed reads the libraries and interpreter of a dynamically linked
// program of this machine.
func TestNeeded(t *testing.T) {
	for _, prog := range []string{"/bin/sh", "/usr/bin/ssh-keygen"} {
		data, err := os.ReadFile(prog)
		if err != nil {
			continue
		}
		libs, interp, err := needed(data)
		if err != nil {
			t.Fatalf("%s: %v", prog, err)
		}
		found := false
		for _, l := range libs {
			found = found || l == "libc.so.6"
		}
		if !found || interp == "" {
			t.Errorf("%s: libraries %q, interpreter %q; want libc.so.6 and one", prog, libs, interp)
		}
		return
	}
	t.Skip("no dynamically linked /bin/sh or ssh-keygen here")
}

// Kernel module names are spelled with underscores, without extensions.
func TestModuleName(t *testing.T) {
	for file, want := range map[string]string{
		"virtio_net.ko":       "virtio_net",
		"virtio-pci.ko.xz":    "virtio_pci",
		"net_failover.ko.zst": "net_failover",
	} {
		if got := moduleName(file); got != want {
			t.Errorf("moduleName(%q) = %q; want %q", file, got, want)
		}
	}
}
