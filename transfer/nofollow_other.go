//go:build !unix

package transfer

import (
	"io/fs"
	"os"
)

// openNoFollow opens name under root. Without O_NOFOLLOW here, root may
// follow a symbolic link that stays inside it; callers Lstat before and
// compare the opened file with os.SameFile after, so a link swapped in
// between is refused.
func openNoFollow(root *os.Root, name string, flag int, perm fs.FileMode) (*os.File, error) {
	return root.OpenFile(name, flag, perm)
}
