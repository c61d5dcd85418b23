package vmconn

// JumpConfig returns the Config that a JumpHost with a nil Config uses
// for target: a copy of target less what belongs to the target alone
// (User, Port, Password, HostKeyCallback, OnEvent and DialContext). Nil
// means the zero Config. Use it to derive a hop's Config and change a
// field or two, as package sshconfig does for ProxyJump hops.
func JumpConfig(target *Config) *Config {
	if target == nil {
		return &Config{}
	}
	return hopConfig(target)
}
