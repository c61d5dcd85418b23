package vmtest

import (
	"crypto/subtle"
	"errors"

	"golang.org/x/crypto/ssh"
)

// errDenied is what every failed authentication attempt returns.
var errDenied = errors.New("vmtest: permission denied")

// setupConfig sets the server's SSH configuration.
func (s *Server) setupConfig() error {
	s.config = s.serverConfig()
	return nil
}

// serverConfig returns the SSH server configuration: host key and the
// accepted authentication methods.
func (s *Server) serverConfig() *ssh.ServerConfig {
	c := &ssh.ServerConfig{
		PublicKeyCallback: s.checkPublicKey,
		ServerVersion:     "SSH-2.0-vmtest",
	}
	if s.opts.Password != "" {
		c.PasswordCallback = s.checkPassword
		c.KeyboardInteractiveCallback = s.checkKeyboardInteractive
	}
	c.AddHostKey(s.hostSigner)
	return c
}

// AddAuthorizedKey makes the server accept key for public key
// authentication, in addition to ClientSigner's key.
func (s *Server) AddAuthorizedKey(key ssh.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authorized[string(key.Marshal())] = true
}

// checkPublicKey accepts the authorized keys, for any user name.
func (s *Server) checkPublicKey(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	s.mu.Lock()
	ok := s.authorized[string(key.Marshal())]
	s.mu.Unlock()
	if !ok {
		return nil, errDenied
	}
	return nil, nil
}

// checkPassword accepts Options.Password, for any user name.
func (s *Server) checkPassword(meta ssh.ConnMetadata, password []byte) (*ssh.Permissions, error) {
	if !s.passwordOK(string(password)) {
		return nil, errDenied
	}
	return nil, nil
}

// checkKeyboardInteractive asks for the password in one prompt and accepts
// Options.Password.
func (s *Server) checkKeyboardInteractive(meta ssh.ConnMetadata, client ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
	answers, err := client("", "", []string{"Password: "}, []bool{false})
	if err != nil {
		return nil, err
	}
	if len(answers) != 1 || !s.passwordOK(answers[0]) {
		return nil, errDenied
	}
	return nil, nil
}

// passwordOK reports whether password is Options.Password.
func (s *Server) passwordOK(password string) bool {
	return subtle.ConstantTimeCompare([]byte(password), []byte(s.opts.Password)) == 1
}
