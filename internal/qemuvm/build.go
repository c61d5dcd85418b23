//go:build linux

package qemuvm

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
)

// libDir is where the image keeps shared libraries: a directory in
// Debian's ld.so default search path.
const libDir = "lib/x86_64-linux-gnu"

// program is a file of the image taken from a package: the first of
// From found (packages differ in where they put a file, / or /usr).
type program struct {
	To       string
	From     []string
	Optional bool // only newer OpenSSH versions ship it
}

var programs = []program{
	{To: "bin/busybox", From: []string{"bin/busybox", "usr/bin/busybox"}},
	{To: "usr/sbin/sshd", From: []string{"usr/sbin/sshd"}},
	{To: "usr/lib/openssh/sftp-server", From: []string{"usr/lib/openssh/sftp-server"}},
	{To: "usr/lib/openssh/sshd-session", From: []string{"usr/lib/openssh/sshd-session"}, Optional: true},
	{To: "usr/lib/openssh/sshd-auth", From: []string{"usr/lib/openssh/sshd-auth"}, Optional: true},
}

// netModules are the kernel modules of QEMU's virtio-net-pci NIC; the
// modules they depend on are loaded first.
var netModules = []string{"virtio_pci", "virtio_net"}

// builder unpacks packages into root and puts an initramfs together.
type builder struct {
	ctx   context.Context
	root  string // the packages, unpacked
	debs  string // where .deb files are downloaded
	t     tree
	pkgs  []string // downloaded, in order
	notes []string // for the manifest
}

// build makes an image in out, downloading and unpacking the packages
// (pkgs, then the libraries' packages) in work.
func build(ctx context.Context, out, work string, pkgs []string, versions map[string]string) error {
	b := &builder{ctx: ctx, root: filepath.Join(work, "root"), debs: filepath.Join(work, "debs"), t: tree{}}
	for _, d := range []string{out, b.root, b.debs} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	if err := b.fetch(pkgs); err != nil {
		return err
	}
	steps := []func() error{b.addPrograms, b.addModules, func() error { return b.addKernel(out) }}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	client, err := b.addKeys(out)
	if err != nil {
		return err
	}
	addSystem(b.t, client)
	f, err := os.Create(filepath.Join(out, initrdFile))
	if err != nil {
		return err
	}
	if err := writeCPIO(f, b.t); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, manifestFile), []byte(b.manifest(versions)), 0o644)
}

// manifest lists the packages the image was made of, with the versions
// of those versions knows, and the notes of the build.
func (b *builder) manifest(versions map[string]string) string {
	var s strings.Builder
	for _, p := range b.pkgs {
		s.WriteString(p)
		if v := versions[p]; v != "" {
			s.WriteString(" " + v)
		}
		s.WriteString("\n")
	}
	for _, n := range b.notes {
		s.WriteString("# " + n + "\n")
	}
	return s.String()
}

// fetch downloads and unpacks packages.
func (b *builder) fetch(pkgs []string) error {
	if err := download(b.ctx, b.debs, b.root, pkgs); err != nil {
		return err
	}
	b.pkgs = append(b.pkgs, pkgs...)
	return nil
}

// read returns a file of the unpacked packages, following symbolic links
// inside root (absolute ones too), and trying /usr/NAME for /NAME.
func (b *builder) read(name string) ([]byte, error) {
	for range 20 {
		p := filepath.Join(b.root, name)
		if _, err := os.Lstat(p); err != nil && !strings.HasPrefix(name, "usr/") {
			p = filepath.Join(b.root, "usr", name)
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return nil, err
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			return os.ReadFile(p)
		}
		target, err := os.Readlink(p)
		if err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(b.root, filepath.Dir(p))
		if !path.IsAbs(target) {
			target = path.Join("/", rel, target)
		}
		name = strings.TrimPrefix(path.Clean(target), "/")
	}
	return nil, fmt.Errorf("%s: too many symbolic links", name)
}

// addPrograms adds the programs and, recursively, the shared libraries
// they need, downloading the packages of libraries not yet unpacked.
func (b *builder) addPrograms() error {
	var elves [][]byte
	for _, p := range programs {
		data, err := b.readFirst(p.From)
		if err != nil {
			if p.Optional {
				continue
			}
			return err
		}
		b.t.file(p.To, 0o755, data)
		elves = append(elves, data)
	}
	if err := b.addBusyboxLinks(b.t["bin/busybox"].Data); err != nil {
		return err
	}
	return b.addLibs(elves)
}

// addBusyboxLinks adds a symbolic link to busybox for each of its
// applets, where "busybox --list-full" puts it (the static binary runs
// here too): the guest need not install them at every boot.
func (b *builder) addBusyboxLinks(busybox []byte) error {
	bin := filepath.Join(b.debs, "busybox")
	if err := os.WriteFile(bin, busybox, 0o755); err != nil {
		return err
	}
	out, err := run(b.ctx, "", bin, "--list-full")
	if err != nil {
		return err
	}
	for _, applet := range strings.Fields(string(out)) {
		applet = strings.TrimPrefix(applet, "/")
		if b.t[applet] == nil {
			b.t.link(applet, "/bin/busybox")
		}
	}
	return nil
}

// readFirst reads the first of names that exists.
func (b *builder) readFirst(names []string) ([]byte, error) {
	var first error
	for _, n := range names {
		data, err := b.read(n)
		if err == nil {
			return data, nil
		}
		first = cmp.Or(first, err)
	}
	return nil, first
}

// addLibs adds the libraries the ELF files need, and theirs.
func (b *builder) addLibs(queue [][]byte) error {
	for round := 0; len(queue) > 0; round++ {
		var missing []string
		for len(queue) > 0 {
			libs, interp, err := needed(queue[0])
			queue = queue[1:]
			if err != nil {
				return err
			}
			if interp != "" && b.t[strings.TrimPrefix(interp, "/")] == nil {
				data, err := b.read(strings.TrimPrefix(interp, "/"))
				if err != nil {
					return fmt.Errorf("interpreter %s: %w", interp, err)
				}
				b.t.file(strings.TrimPrefix(interp, "/"), 0o755, data)
			}
			for _, lib := range libs {
				if b.t[libDir+"/"+lib] != nil || slices.Contains(missing, lib) {
					continue
				}
				data, err := b.readFirst([]string{libDir + "/" + lib, "usr/" + libDir + "/" + lib})
				if err != nil {
					missing = append(missing, lib)
					continue
				}
				b.t.file(libDir+"/"+lib, 0o755, data)
				queue = append(queue, data)
			}
		}
		if len(missing) == 0 {
			return nil
		}
		if round == 5 {
			return fmt.Errorf("libraries not found in their packages: %s", strings.Join(missing, " "))
		}
		if err := b.fetchLibs(missing); err != nil {
			return err
		}
		// Look at the programs again: their missing libraries are there now.
		for _, e := range b.t {
			if e.Mode&0o111 != 0 && !e.Dir && e.Link == "" && strings.HasPrefix(string(e.Data), "\x7fELF") {
				queue = append(queue, e.Data)
			}
		}
	}
	return nil
}

// fetchLibs downloads the packages that hold the libraries.
func (b *builder) fetchLibs(libs []string) error {
	var pkgs []string
	for _, lib := range libs {
		pkg, err := owner(b.ctx, lib)
		if err != nil {
			return err
		}
		if !slices.Contains(pkgs, pkg) {
			pkgs = append(pkgs, pkg)
		}
	}
	return b.fetch(pkgs)
}

// addModules adds the NIC's kernel modules, decompressed, and
// lib/modules/order, the order to load them in.
func (b *builder) addModules() error {
	files, err := b.moduleFiles()
	if err != nil {
		return err
	}
	var order []string
	var visit func(name string, depth int) error
	visit = func(name string, depth int) error {
		if slices.Contains(order, name) {
			return nil
		}
		file, ok := files[name]
		if !ok || depth > 20 {
			return fmt.Errorf("kernel module %s not found", name)
		}
		data, err := decompress(b.ctx, file)
		if err != nil {
			return err
		}
		deps, err := moduleDepends(data)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		for _, d := range deps {
			if err := visit(d, depth+1); err != nil {
				return err
			}
		}
		b.t.file("lib/modules/"+name+".ko", 0o644, data)
		order = append(order, name)
		return nil
	}
	for _, m := range netModules {
		if err := visit(m, 0); err != nil {
			return err
		}
	}
	b.t.file("lib/modules/order", 0o644, []byte(strings.Join(order, "\n")+"\n"))
	return nil
}

// moduleFiles indexes the kernel's modules by name.
func (b *builder) moduleFiles() (map[string]string, error) {
	dirs, _ := filepath.Glob(filepath.Join(b.root, "lib/modules/*/kernel"))
	usr, _ := filepath.Glob(filepath.Join(b.root, "usr/lib/modules/*/kernel"))
	dirs = append(dirs, usr...)
	if len(dirs) != 1 {
		return nil, fmt.Errorf("want the modules of one kernel, found %d", len(dirs))
	}
	files := make(map[string]string)
	err := filepath.WalkDir(dirs[0], func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(d.Name(), ".ko") {
			files[moduleName(d.Name())] = p
		}
		return err
	})
	return files, err
}

// decompress reads a kernel module, decompressing a .ko.xz or .ko.zst.
func decompress(ctx context.Context, file string) ([]byte, error) {
	switch {
	case strings.HasSuffix(file, ".xz"):
		return run(ctx, "", "xz", "-dc", file)
	case strings.HasSuffix(file, ".zst"):
		return run(ctx, "", "zstd", "-dcq", file)
	case strings.HasSuffix(file, ".ko"):
		return os.ReadFile(file)
	}
	return nil, fmt.Errorf("%s: unknown compression", file)
}

// addKeys makes the host key (baked into the image; its public half
// goes to out) and root's key (to out), and returns root's public key.
func (b *builder) addKeys(out string) (ssh.PublicKey, error) {
	hostPEM, host, err := newKey()
	if err != nil {
		return nil, err
	}
	b.t.file("etc/ssh/ssh_host_ed25519_key", 0o600, hostPEM)
	if err := os.WriteFile(filepath.Join(out, hostKeyName), ssh.MarshalAuthorizedKey(host), 0o644); err != nil {
		return nil, err
	}
	clientPEM, client, err := newKey()
	if err != nil {
		return nil, err
	}
	return client, os.WriteFile(filepath.Join(out, clientKeyName), clientPEM, 0o600)
}

// newKey makes an ed25519 key and returns its private half in OpenSSH
// format, and its public half.
func newKey() ([]byte, ssh.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return nil, nil, err
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, nil, err
	}
	return bytes.Clone(pem.EncodeToMemory(block)), sshPub, nil
}
