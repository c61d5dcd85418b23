package vmtest

import (
	"os"
	"path/filepath"
)

// setupHome makes the server's home directory, where commands start and
// SFTP paths are relative to: a fresh directory under the server's
// temporary directory (removed by Close), with .cache, .run and tmp in
// it, or, with Options.RealHome, the user's own home.
func (s *Server) setupHome() error {
	if s.opts.RealHome {
		s.home = workDir()
		return nil
	}
	s.home = filepath.Join(s.tempDir, "home")
	for _, dir := range []string{"", ".cache", ".run", "tmp"} {
		if err := os.Mkdir(filepath.Join(s.home, dir), 0o700); err != nil {
			return err
		}
	}
	return nil
}

// homeEnv returns the environment that points commands at the server's
// home: HOME, the XDG base directories, XDG_RUNTIME_DIR and TMPDIR all
// beneath it. With Options.RealHome it is empty: commands keep the
// test process's values.
func (s *Server) homeEnv() []string {
	if s.opts.RealHome {
		return nil
	}
	h := s.home
	return []string{
		"HOME=" + h,
		"XDG_CACHE_HOME=" + filepath.Join(h, ".cache"),
		"XDG_CONFIG_HOME=" + filepath.Join(h, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(h, ".local", "share"),
		"XDG_STATE_HOME=" + filepath.Join(h, ".local", "state"),
		"XDG_RUNTIME_DIR=" + filepath.Join(h, ".run"),
		"TMPDIR=" + filepath.Join(h, "tmp"),
	}
}

// Home returns the directory that commands start in and find as $HOME,
// and that relative SFTP paths start from: a temporary directory of the
// server's own, removed by Close, unless Options.RealHome.
func (s *Server) Home() string { return s.home }
