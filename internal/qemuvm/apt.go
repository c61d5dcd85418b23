//go:build linux

package qemuvm

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// run runs a program in dir and returns its standard output; the error
// names the program and holds the end of its standard error.
func run(ctx context.Context, dir, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(cmd.Environ(), "LC_ALL=C")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = msg[len(msg)-2000:]
		}
		return out, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, msg)
	}
	return out, nil
}

// kernelPackage returns the real package behind the metapackage
// linux-image-amd64, such as "linux-image-6.1.0-57-amd64".
func kernelPackage(ctx context.Context) (string, error) {
	out, err := run(ctx, "", "apt-cache", "depends", "linux-image-amd64")
	if err != nil {
		return "", err
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if p, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "Depends: "); ok && strings.HasPrefix(p, "linux-image-") {
			return p, nil
		}
	}
	return "", fmt.Errorf("apt-cache depends linux-image-amd64: no linux-image-* dependency (run apt-get update)")
}

// candidates returns the version apt would download of each package.
func candidates(ctx context.Context, pkgs []string) (map[string]string, error) {
	out, err := run(ctx, "", "apt-cache", append([]string{"policy"}, pkgs...)...)
	if err != nil {
		return nil, err
	}
	versions := make(map[string]string)
	var cur string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, " ") && strings.HasSuffix(line, ":") {
			cur = strings.TrimSuffix(line, ":")
		} else if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Candidate: "); ok && v != "(none)" {
			versions[cur] = v
		}
	}
	for _, p := range pkgs {
		if versions[p] == "" {
			return nil, fmt.Errorf("apt-cache policy: no candidate for %s (run apt-get update)", p)
		}
	}
	return versions, nil
}

// downloadTries bounds the attempts of one apt-get download.
const downloadTries = 3

// download fetches the packages' .deb files into dir and unpacks each
// into root.
func download(ctx context.Context, dir, root string, pkgs []string) error {
	var err error
	for try := 0; try < downloadTries; try++ { // a mirror's hiccup should not fail a CI run
		if try > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(try) * 3 * time.Second):
			}
		}
		if _, err = run(ctx, dir, "apt-get", append([]string{"download", "-q"}, pkgs...)...); err == nil {
			break
		}
	}
	if err != nil {
		return err
	}
	debs, err := filepath.Glob(filepath.Join(dir, "*.deb"))
	if err != nil {
		return err
	}
	for _, deb := range debs {
		if _, err := run(ctx, dir, "dpkg-deb", "-x", deb, root); err != nil {
			return err
		}
		if err := os.Remove(deb); err != nil {
			return err
		}
	}
	return nil
}

// owner returns the package that holds a shared library of the given
// name on this machine (dpkg -S), to fetch the same package for the VM.
func owner(ctx context.Context, soname string) (string, error) {
	out, err := run(ctx, "", "dpkg", "-S", "*/"+soname)
	if err != nil {
		return "", fmt.Errorf("no installed package holds %s (is openssh-server installed here?): %w", soname, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		pkgs, path, ok := strings.Cut(sc.Text(), ": ")
		if !ok || strings.Contains(pkgs, "diversion") || !strings.Contains(path, "x86_64-linux-gnu/") {
			continue
		}
		pkg, _, _ := strings.Cut(strings.Split(pkgs, ", ")[0], ":")
		return pkg, nil
	}
	return "", fmt.Errorf("dpkg -S: no amd64 package holds %s", soname)
}
