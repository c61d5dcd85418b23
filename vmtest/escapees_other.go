//go:build !linux

package vmtest

// killMarked does nothing: without Linux's /proc/PID/environ there is no
// cheap, reliable way to find a process by its environment. Processes
// that left their process group (setsid, daemons) outlive Close and
// Reboot here.
func (s *Server) killMarked() {}
