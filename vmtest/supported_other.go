//go:build !unix

package vmtest

// supported fails: the server needs Unix process groups and a POSIX
// shell.
func supported() error { return ErrUnsupported }
