//go:build !linux && !darwin && !freebsd

package control

// supported reports whether this platform can share connections.
const supported = false

// MkdirPrivate returns ErrUnsupported: no connection sharing here.
func MkdirPrivate(string) error { return ErrUnsupported }

func checkSocket(string) error { return ErrUnsupported }

func checkDir(string) error { return ErrUnsupported }
