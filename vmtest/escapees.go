package vmtest

import (
	"crypto/rand"
	"encoding/hex"
)

// MarkerEnv names the environment variable that marks every process the
// server starts, so that Reboot and Close also find the processes that
// left their process group (setsid, daemons), as a real reboot would. On
// Linux only: finding them needs /proc.
const MarkerEnv = "VMTEST_SERVER"

// newMarker returns a random marker for one server.
func newMarker() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
