package testenv

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// BusyboxDir fills dir with a symbolic link to busybox for each of its
// applets ("busybox --list") and returns dir: a PATH that holds a busybox
// userland alone, as on a minimal machine. It fails when busybox is not
// installed.
func BusyboxDir(dir string) (string, error) {
	busybox := LookPath("busybox")
	if busybox == "" {
		return "", errors.New("busybox is not installed")
	}
	out, err := exec.Command(busybox, "--list").Output()
	if err != nil {
		return "", err
	}
	for _, applet := range strings.Fields(string(out)) {
		if strings.ContainsRune(applet, '/') || applet == "[" || applet == "[[" {
			continue
		}
		if err := os.Symlink(busybox, filepath.Join(dir, applet)); err != nil {
			return "", err
		}
	}
	return dir, nil
}
