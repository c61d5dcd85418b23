package vmtest

import (
	"github.com/pkg/sftp"
)

// serveSFTP serves the "sftp" subsystem on the session's channel with
// github.com/pkg/sftp, in this process, as the current user, on the
// local file system. Relative paths start in the server's home (see
// Options.RealHome). The channel ends with exit status 0, or 1 if the
// server could not start.
func (ss *session) serveSFTP() {
	s := ss.srv
	srv, err := sftp.NewServer(ss.ch, sftp.WithServerWorkingDirectory(s.home))
	if err != nil {
		s.log.Debug("vmtest: sftp", "err", err)
		sendExit(ss.ch, exitState{status: 1})
		return
	}
	s.log.Debug("vmtest: sftp session")
	err = srv.Serve()
	s.log.Debug("vmtest: sftp session ended", "err", err)
	sendExit(ss.ch, exitState{})
	srv.Close()
}
