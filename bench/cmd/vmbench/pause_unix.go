//go:build unix

package main

import "syscall"

// pauseProcess stops pid (SIGSTOP): its sockets stay open but it answers
// nothing, like a hung machine.
func pauseProcess(pid int) error { return syscall.Kill(pid, syscall.SIGSTOP) }

// resumeProcess continues a paused pid (SIGCONT).
func resumeProcess(pid int) error { return syscall.Kill(pid, syscall.SIGCONT) }
