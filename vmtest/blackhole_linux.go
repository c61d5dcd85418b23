package vmtest

import "syscall"

// blackholeSocket opens a close-on-exec TCP socket atomically.
func blackholeSocket() (int, error) {
	return syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
}
