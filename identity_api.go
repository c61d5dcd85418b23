package vmconn

// CheckIdentityFile reports whether Dial with cfg can offer the private
// key in file without asking for a passphrase: nil when the file holds an
// unencrypted key, or an encrypted one whose public key is known (in the
// file or in file.pub) while cfg lets Dial ask an agent, which may hold
// the key. Otherwise it returns the error loading the key, wrapping
// ErrConfig (see LoadKeyFile). cfg.Passphrase is never called; nil cfg
// means the zero Config. Package sshconfig uses it to skip an
// IdentityFile that would fail the login, as OpenSSH does.
func CheckIdentityFile(file string, cfg *Config) error {
	if cfg == nil {
		cfg = &Config{}
	}
	_, err := loadIdentity(file, nil, agentToAsk(cfg))
	return err
}
