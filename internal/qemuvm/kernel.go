//go:build linux

package qemuvm

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Booting Debian's bzImage under TCG spends half the boot's CPU time in
// the firmware and in decompressing the kernel. The kernel inside the
// bzImage is an ELF file that QEMU boots directly through its PVH entry
// point (Debian builds with CONFIG_PVH), which skips both: build unpacks
// it once, and boots the bzImage only when that fails.

// xenNotePhys32Entry is the ELF note type of the PVH entry point
// (XEN_ELFNOTE_PHYS32_ENTRY).
const xenNotePhys32Entry = 18

// unpackKernel returns the ELF kernel inside a bzImage.
func unpackKernel(ctx context.Context, bz []byte) ([]byte, error) {
	if len(bz) < 0x250 || string(bz[0x202:0x206]) != "HdrS" {
		return nil, errors.New("not a bzImage")
	}
	setup := int(bz[0x1f1])
	if setup == 0 {
		setup = 4
	}
	off := int(binary.LittleEndian.Uint32(bz[0x248:]))
	n := int(binary.LittleEndian.Uint32(bz[0x24c:]))
	start := (setup+1)*512 + off
	if n < 4 || start+n > len(bz) {
		return nil, errors.New("bzImage payload out of range")
	}
	payload := bz[start : start+n-4] // the last 4 bytes hold the size
	var cmd *exec.Cmd
	switch {
	case bytes.HasPrefix(payload, []byte("\xfd7zXZ\x00")):
		cmd = exec.CommandContext(ctx, "xz", "-dc", "--single-stream")
	case bytes.HasPrefix(payload, []byte("\x28\xb5\x2f\xfd")):
		cmd = exec.CommandContext(ctx, "zstd", "-dcq")
	case bytes.HasPrefix(payload, []byte("\x1f\x8b")):
		cmd = exec.CommandContext(ctx, "gzip", "-dc")
	default:
		return nil, fmt.Errorf("bzImage payload compressed in an unknown format (% x)", payload[:4])
	}
	cmd.Stdin = bytes.NewReader(payload)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmd.Path, err)
	}
	if !hasPVHEntry(out) {
		return nil, errors.New("the kernel has no PVH entry point")
	}
	return out, nil
}

// hasPVHEntry reports whether an ELF kernel can be booted through PVH.
func hasPVHEntry(data []byte) bool {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return false
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type != elf.PT_NOTE {
			continue
		}
		b := make([]byte, p.Filesz)
		if _, err := p.ReadAt(b, 0); err != nil {
			return false
		}
		for len(b) >= 12 {
			nsz, dsz, typ := binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:]), binary.LittleEndian.Uint32(b[8:])
			name := 12 + int(nsz+3)&^3
			next := name + int(dsz+3)&^3
			if next > len(b) || next <= 0 {
				break
			}
			if typ == xenNotePhys32Entry && bytes.HasPrefix(b[12:], []byte("Xen\x00")) {
				return true
			}
			b = b[next:]
		}
	}
	return false
}

// addKernel copies the kernel into out: the ELF kernel unpacked from
// the bzImage when it can be booted through PVH, else the bzImage.
func (b *builder) addKernel(out string) error {
	kernels, _ := filepath.Glob(filepath.Join(b.root, "boot/vmlinuz-*"))
	if len(kernels) != 1 {
		return fmt.Errorf("want one kernel in the package, found %d", len(kernels))
	}
	bz, err := os.ReadFile(kernels[0])
	if err != nil {
		return err
	}
	if elfKernel, err := unpackKernel(b.ctx, bz); err == nil {
		return os.WriteFile(filepath.Join(out, kernelFile), elfKernel, 0o644)
	} else {
		b.notes = append(b.notes, "booting the bzImage: "+err.Error())
	}
	return os.WriteFile(filepath.Join(out, kernelFile), bz, 0o644)
}
