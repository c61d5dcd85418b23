package vmtest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
)

// tempPrefix starts the name of every server's temporary directory; the
// process id after it names the process that made it.
const tempPrefix = "vmtest-"

// staleTemp matches a server's temporary directory, capturing the id of
// the process that made it.
var staleTemp = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^` + tempPrefix + `(\d+)-\d+$`) })

// makeTempDir makes a server's temporary directory, named after this
// process, after removing those of processes that are gone: a test
// binary that was killed could not remove its servers' homes.
func makeTempDir() (string, error) {
	sweepTemp(os.TempDir())
	return os.MkdirTemp("", fmt.Sprintf("%s%d-", tempPrefix, os.Getpid()))
}

// sweepTemp removes the servers' temporary directories in dir whose
// process is gone. (Processes those servers started are not looked for.)
func sweepTemp(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		m := staleTemp().FindStringSubmatch(e.Name())
		if m == nil || !e.IsDir() {
			continue
		}
		if pid, err := strconv.Atoi(m[1]); err == nil && pid != os.Getpid() && pidGone(pid) {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}
