package vmtest

// Reboot simulates a reboot of the fake machine: the server stops
// listening, takes a new random boot id, drops every connection and kills
// every process it started, also those that left their process group
// (see MarkerEnv). Reboot returns then, with the
// machine down; Options.RebootDowntime later the server listens again on
// the same port. A reboot during the downtime of another restarts the
// downtime. Reboot does nothing on a closed server.
func (s *Server) Reboot() {
	s.StopListening()
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return
	}
	s.rebootGen++
	gen := s.rebootGen
	s.bootID = newBootID()
	s.wg.Go(func() { s.comeUp(gen) })
	s.mu.Unlock()
	s.log.Debug("vmtest: reboot", "bootID", s.BootID())
	s.DropConnections()
	s.procs.killAll(false)
	s.killMarked()
}

// comeUp ends the downtime of reboot number gen, unless a later reboot or
// Close happened meanwhile.
func (s *Server) comeUp(gen int) {
	if !s.sleep(s.opts.RebootDowntime) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing || gen != s.rebootGen {
		return
	}
	if err := s.startListeningLocked(); err != nil {
		s.log.Debug("vmtest: listen after reboot", "err", err)
	}
}

// Reboots returns how many times the fake machine rebooted, by Reboot or
// an intercepted reboot command.
func (s *Server) Reboots() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rebootGen
}
