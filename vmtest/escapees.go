package vmtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"syscall"
	"time"
)

// MarkerEnv names the environment variable that marks every process the
// server starts, so that Reboot and Close also find the processes that
// left their process group (setsid, daemons), as a real reboot would.
const MarkerEnv = "VMTEST_SERVER"

// newMarker returns a random marker for one server.
func newMarker() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// killMarked kills (SIGKILL) every process whose environment holds the
// server's marker, again until none is left, for at most 2s. Linux only:
// it reads /proc/PID/environ; elsewhere it does nothing.
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
