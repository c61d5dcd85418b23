package vmtest

import (
	"errors"
	"runtime"
)

// ErrUnsupported is the error of Start and NewBlackhole on systems where
// vmtest cannot run: the server runs commands in a POSIX shell, each in
// its own Unix session and process group, which Linux, macOS and FreeBSD
// have and Windows has not. errors.Is(ErrUnsupported,
// errors.ErrUnsupported) is true.
var ErrUnsupported error = unsupportedError{}

// unsupportedError is the type of ErrUnsupported.
type unsupportedError struct{}

func (unsupportedError) Error() string {
	return "vmtest: cannot run on " + runtime.GOOS +
		": the test server needs a POSIX shell and Unix process groups (Linux, macOS or FreeBSD)"
}

// Is makes ErrUnsupported match errors.ErrUnsupported.
func (unsupportedError) Is(target error) bool { return target == errors.ErrUnsupported }
