package control

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Key returns the settings key for a connection: a hash of every field
// given, in order. Callers pass everything that decides the connection
// (user, host, port, jump hosts, identity files, known_hosts files,
// host-key mode, proxy command ...); two connections share a master only
// when their keys are equal.
func Key(fields ...string) string {
	h := sha256.New()
	fmt.Fprintf(h, "vmconn-control-1\x00uid=%d\x00", os.Getuid())
	for _, f := range fields {
		fmt.Fprintf(h, "%d:%s\x00", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// DefaultDir is the directory for control sockets when the caller names
// none: $XDG_RUNTIME_DIR/vmconn if that is set, else vmconn/control in
// the user's cache directory. MkdirPrivate creates it.
func DefaultDir() (string, error) {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "vmconn"), nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("control socket directory: %w", err)
	}
	return filepath.Join(d, "vmconn", "control"), nil
}

// DefaultPath is the socket path for key in DefaultDir: the key's first
// 20 hex digits.
func DefaultPath(key string) (string, error) {
	dir, err := DefaultDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, key[:min(20, len(key))])
	return path, CheckPath(path)
}

// maxSocketPath is the longest path a Unix socket address holds on every
// platform vmconn runs on (macOS and FreeBSD: 104 bytes with the NUL).
const maxSocketPath = 103

// CheckPath reports a path that cannot be a Unix socket address.
func CheckPath(path string) error {
	if len(path) > maxSocketPath {
		return fmt.Errorf("%w (%d bytes, at most %d): %s", ErrPathTooLong, len(path), maxSocketPath, path)
	}
	if path == "" || strings.ContainsRune(path, 0) {
		return fmt.Errorf("%w: empty or holds NUL", ErrPathTooLong)
	}
	return nil
}
