//go:build linux

package qemuvm

import (
	"bytes"
	"debug/elf"
	"fmt"
	"strings"
)

// needed returns the shared libraries an ELF file names (DT_NEEDED) and
// its program interpreter ("" for a static one).
func needed(data []byte) (libs []string, interp string, err error) {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	if libs, err = f.ImportedLibraries(); err != nil {
		return nil, "", err
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err != nil {
				return nil, "", err
			}
			interp = string(bytes.TrimRight(b, "\x00"))
		}
	}
	return libs, interp, nil
}

// moduleDepends returns the modules a kernel module needs loaded first:
// the "depends=" field of its .modinfo section.
func moduleDepends(data []byte) ([]string, error) {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := f.Section(".modinfo")
	if s == nil {
		return nil, fmt.Errorf("no .modinfo section")
	}
	info, err := s.Data()
	if err != nil {
		return nil, err
	}
	for _, field := range bytes.Split(info, []byte{0}) {
		if v, ok := strings.CutPrefix(string(field), "depends="); ok {
			if v == "" {
				return nil, nil
			}
			return strings.Split(v, ","), nil
		}
	}
	return nil, nil
}

// moduleName returns a module's name from its file name, as the kernel
// spells it: "virtio_net" for "virtio-net.ko.xz".
func moduleName(file string) string {
	if i := strings.Index(file, ".ko"); i >= 0 {
		file = file[:i]
	}
	return strings.ReplaceAll(file, "-", "_")
}
