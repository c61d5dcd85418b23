package sshdtest

import (
	"io"
	"os"
	"strings"
)

// Logs returns what sshd has logged so far (at LogLevel DEBUG1), after
// anything that the programs starting it printed, for the messages of
// failing tests.
func (s *Server) Logs() string {
	return readFrom(s.launch.wrapperLog, 0) + readFrom(s.launch.logFile, 0)
}

// fileSize returns the size of a file, 0 if it does not exist.
func fileSize(name string) int64 {
	st, err := os.Stat(name)
	if err != nil {
		return 0
	}
	return st.Size()
}

// readFrom returns the content of a file from offset on, "" on error.
func readFrom(name string, offset int64) string {
	f, err := os.Open(name)
	if err != nil {
		return ""
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return ""
	}
	b, _ := io.ReadAll(f)
	return string(b)
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.SplitAfter(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "")
}
