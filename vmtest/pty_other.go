//go:build !unix

package vmtest

import "os"

// openPty fails: there are no Unix pseudo-terminals here.
func openPty() (master, tty *os.File, err error) { return nil, nil, ErrUnsupported }

// setWindow fails: there are no Unix pseudo-terminals here.
func setWindow(*os.File, windowChange) error { return ErrUnsupported }
