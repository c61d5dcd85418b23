//go:build linux

package qemuvm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// recipe names what build puts into an image: change it whenever that
// changes, so that images cached by an older harness are not used.
const recipe = "qemuvm-4"

// seedPackages are the Debian packages an image is made of, besides the
// kernel and the libraries their programs need.
var seedPackages = []string{"busybox-static", "openssh-server", "openssh-sftp-server", "libc6"}

// Image is a bootable machine made from Debian packages: a kernel, an
// initramfs holding busybox and OpenSSH's sshd (see the package
// documentation), and the keys baked into it. Images are cached under
// os.UserCacheDir()/vmconn-qemuvm, one directory per set of package
// versions, and must not be changed.
type Image struct {
	Dir           string        // the image's cache directory
	Kernel        string        // the kernel (QEMU's -kernel)
	Initrd        string        // the initramfs, an uncompressed cpio archive (-initrd)
	ClientKeyFile string        // root's key (OpenSSH format, no passphrase)
	ClientSigner  ssh.Signer    // the same key
	HostKey       ssh.PublicKey // sshd's host key
	Manifest      string        // the packages and versions it was made of, one a line
}

// Image file names in Image.Dir.
const (
	kernelFile    = "vmlinuz"
	initrdFile    = "initrd.cpio"
	clientKeyName = "id_ed25519"
	hostKeyName   = "ssh_host_ed25519_key.pub"
	manifestFile  = "manifest.txt"
)

// loaded memoizes LoadImage within a test binary: looking up package
// versions costs a few apt-cache calls, and a build that failed once
// would fail again for every test.
var loaded struct {
	sync.Mutex
	img *Image
	err error
}

// LoadImage returns the image for the package versions apt would fetch
// now, building it first (well under a minute, and about 80 MB of downloads)
// unless it is cached. It needs apt-get, apt-cache, dpkg and dpkg-deb,
// and openssh-server installed here (to map sshd's libraries to their
// packages).
func LoadImage(ctx context.Context) (*Image, error) {
	loaded.Lock()
	defer loaded.Unlock()
	if loaded.img == nil && loaded.err == nil {
		loaded.img, loaded.err = loadImage(ctx)
		if loaded.err != nil {
			loaded.err = fmt.Errorf("qemuvm: image: %w", loaded.err)
		}
	}
	return loaded.img, loaded.err
}

func loadImage(ctx context.Context) (*Image, error) {
	root, err := cacheRoot()
	if err != nil {
		return nil, err
	}
	pkgs, versions, err := packageVersions(ctx)
	if err != nil {
		// Offline, or apt broken: an image built before will do.
		if img, cerr := newestImage(root); cerr == nil {
			return img, nil
		}
		return nil, err
	}
	dir := filepath.Join(root, "image-"+imageKey(versions))
	if img, err := openImage(dir); err == nil {
		return img, nil
	}
	tmp, err := os.MkdirTemp(root, "build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "image")
	if err := build(ctx, out, filepath.Join(tmp, "work"), pkgs, versions); err != nil {
		return nil, err
	}
	// Another process may have built the same image meanwhile: either
	// copy will do.
	if err := os.Rename(out, dir); err != nil {
		if _, serr := os.Stat(filepath.Join(dir, manifestFile)); serr != nil {
			return nil, err
		}
	}
	pruneImages(root, dir)
	return openImage(dir)
}

// pruneImages removes the cached images other than keep: built from
// older packages or by an older recipe, they are not used again. A
// machine still running one is not disturbed: QEMU has read its files.
func pruneImages(root, keep string) {
	dirs, _ := filepath.Glob(filepath.Join(root, "image-*"))
	for _, d := range dirs {
		if d != keep {
			_ = os.RemoveAll(d)
		}
	}
}

// packageVersions returns the image's packages (the kernel first) and
// the versions apt would fetch. As root, it runs "apt-get update" once
// when apt knows none of them (a machine whose package lists were
// removed).
func packageVersions(ctx context.Context) ([]string, map[string]string, error) {
	kernel, err := kernelPackage(ctx)
	if err != nil && os.Geteuid() == 0 {
		if _, uerr := run(ctx, "", "apt-get", "update", "-qq"); uerr != nil {
			return nil, nil, fmt.Errorf("%w (%w)", err, uerr)
		}
		kernel, err = kernelPackage(ctx)
	}
	if err != nil {
		return nil, nil, err
	}
	pkgs := append([]string{kernel}, seedPackages...)
	versions, err := candidates(ctx, pkgs)
	return pkgs, versions, err
}

// newestImage opens the image built last.
func newestImage(root string) (*Image, error) {
	dirs, _ := filepath.Glob(filepath.Join(root, "image-*"))
	var newest string
	var when time.Time
	for _, d := range dirs {
		if fi, err := os.Stat(filepath.Join(d, manifestFile)); err == nil && fi.ModTime().After(when) {
			newest, when = d, fi.ModTime()
		}
	}
	if newest == "" {
		return nil, errors.New("no image cached")
	}
	return openImage(newest)
}

// cacheRoot returns the directory images and runs are kept in.
func cacheRoot() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	root := filepath.Join(d, "vmconn-qemuvm")
	return root, os.MkdirAll(root, 0o700)
}

// imageKey names an image by the recipe and the package versions.
func imageKey(versions map[string]string) string {
	lines := make([]string, 0, len(versions)+1)
	for p, v := range versions {
		lines = append(lines, p+"="+v)
	}
	slices.Sort(lines)
	sum := sha256.Sum256([]byte(recipe + "\n" + strings.Join(lines, "\n")))
	return hex.EncodeToString(sum[:8])
}

// openImage opens a built image; the manifest is written last, so an
// image without one is incomplete.
func openImage(dir string) (*Image, error) {
	manifest, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil {
		return nil, err
	}
	img := &Image{
		Dir:           dir,
		Kernel:        filepath.Join(dir, kernelFile),
		Initrd:        filepath.Join(dir, initrdFile),
		ClientKeyFile: filepath.Join(dir, clientKeyName),
		Manifest:      string(manifest),
	}
	key, err := os.ReadFile(img.ClientKeyFile)
	if err != nil {
		return nil, err
	}
	if img.ClientSigner, err = ssh.ParsePrivateKey(key); err != nil {
		return nil, err
	}
	pub, err := os.ReadFile(filepath.Join(dir, hostKeyName))
	if err != nil {
		return nil, err
	}
	if img.HostKey, _, _, _, err = ssh.ParseAuthorizedKey(pub); err != nil {
		return nil, err
	}
	return img, nil
}
