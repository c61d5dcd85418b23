package transfer

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// UnsafeNameError: a remote directory listing held a name that cannot be
// one plain local file name (empty, "." or "..", with a slash, backslash
// or NUL, not local on this system, such as "C:x" or "CON" on Windows),
// or held one name twice. Download checks every listing before it
// writes anything. Not retryable: the server is broken or hostile.
type UnsafeNameError struct {
	Dir    string // the remote directory listed
	Name   string // the name as listed
	Reason string // what is wrong with it
}

func (e *UnsafeNameError) Error() string {
	return fmt.Sprintf("%s: unsafe name %q in the listing: %s", e.Dir, e.Name, e.Reason)
}

// checkListing returns an *UnsafeNameError for the first name in a
// listing of dir that is not a plain local file name, or is repeated.
func checkListing(dir string, infos []fs.FileInfo) error {
	seen := make(map[string]bool, len(infos))
	for _, st := range infos {
		n := st.Name()
		reason := unsafeName(n)
		if reason == "" && seen[n] {
			reason = "listed twice"
		}
		if reason != "" {
			return &UnsafeNameError{Dir: dir, Name: n, Reason: reason}
		}
		seen[n] = true
	}
	return nil
}

// unsafeName says why name cannot be one local file name, or "".
func unsafeName(name string) string {
	switch {
	case name == "" || name == "." || name == "..":
		return "not a file name"
	case strings.ContainsAny(name, "/\\\x00"):
		return "holds a slash, backslash or NUL"
	case !filepath.IsLocal(name):
		return "not a plain file name on this system"
	}
	return ""
}

// Retryable reports false: the server will list the same names again.
func (e *UnsafeNameError) Retryable() bool { return false }
