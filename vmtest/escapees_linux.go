package vmtest

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"time"
)

// killMarked kills (SIGKILL) every process whose environment holds the
// server's marker, again until none is left, for at most 2s. It reads
// /proc/PID/environ, which only Linux has.
func (s *Server) killMarked() {
	want := []byte("\x00" + MarkerEnv + "=" + s.marker + "\x00")
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		dirs, err := os.ReadDir("/proc")
		if err != nil {
			return
		}
		killed := 0
		for _, d := range dirs {
			pid, err := strconv.Atoi(d.Name())
			if err != nil || pid == os.Getpid() {
				continue
			}
			env, err := os.ReadFile("/proc/" + d.Name() + "/environ")
			if err == nil && bytes.Contains(append([]byte{0}, env...), want) {
				syscall.Kill(pid, syscall.SIGKILL)
				killed++
			}
		}
		if killed == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
