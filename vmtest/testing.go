package vmtest

import (
	"errors"
	"testing"
)

// New starts a Server configured by o for the test tb and closes it when
// the test ends (tb.Cleanup). Where vmtest cannot run (Windows: see
// ErrUnsupported) it skips the test; if the server cannot start, it
// fails the test.
func New(tb testing.TB, o Options) *Server {
	tb.Helper()
	s, err := Start(o)
	if errors.Is(err, ErrUnsupported) {
		tb.Skip(err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}
