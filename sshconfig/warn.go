package sshconfig

import (
	"strings"
)

// unappliedDirectives are ssh_config directives that vmconn does not
// apply although they matter for security or for where and how the
// connection goes; a host they apply to gets a warning naming them.
// Directives that only tune comfort or speed (Compression,
// BatchMode, ...) are ignored quietly.
var unappliedDirectives = []struct{ key, why string }{
	{"HostKeyAlias", "host keys are checked under the HostName instead"},
	{"KnownHostsCommand", "not run: only the known_hosts files are checked"},
	{"RevokedHostKeys", "revoked keys are not checked"},
	{"VerifyHostKeyDNS", "SSHFP records are not checked"},
	{"CanonicalizeHostname", "host names are not canonicalised, so Host blocks match the name as given"},
	{"Ciphers", "x/crypto's default ciphers are used"},
	{"MACs", "x/crypto's default MACs are used"},
	{"KexAlgorithms", "x/crypto's default key exchanges are used"},
	{"PubkeyAcceptedAlgorithms", "x/crypto's default signature algorithms are used"},
	{"PubkeyAcceptedKeyTypes", "x/crypto's default signature algorithms are used"},
	{"PKCS11Provider", "keys on PKCS#11 tokens are not offered"},
	{"SecurityKeyProvider", "security-key middleware is not used"},
	{"LocalCommand", "not run"},
	{"RemoteCommand", "not run: vmconn runs the commands it is given"},
	{"LocalForward", "not set up"},
	{"RemoteForward", "not set up"},
	{"DynamicForward", "not set up"},
	{"Tunnel", "not set up"},
	{"ForwardX11", "not set up"},
	{"PreferredAuthentications", "vmconn offers keys, then a password, in its own order"},
	{"HostbasedAuthentication", "host-based authentication is not offered"},
	{"GSSAPIAuthentication", "GSSAPI is not offered"},
	{"SetEnv", "not sent: give variables per command (Cmd.Env; vmconn long --env)"},
	{"SendEnv", "not sent: give variables per command (Cmd.Env; vmconn long --env)"},
}

// warnings lists the unapplied directives that apply to the alias with a
// value that is not already the no-op.
func (m *mapper) warnings() []string {
	var out []string
	for _, d := range unappliedDirectives {
		v := m.get(d.key)
		if v == "" || isNoOpValue(d.key, v) {
			continue
		}
		if d.key == "LocalCommand" && !strings.EqualFold(m.get("PermitLocalCommand"), "yes") {
			continue // ssh would not run it either
		}
		out = append(out, d.key+" "+v+": "+d.why)
	}
	if hk := m.get("HostKeyAlgorithms"); hk != "" && strings.ContainsAny(hk[:1], "+-^") && len(m.base.HostKeyAlgorithms) == 0 {
		out = append(out, "HostKeyAlgorithms "+hk+": only plain lists are applied; x/crypto's defaults are used")
	}
	return out
}

// isNoOpValue reports values that ask for nothing vmconn lacks.
func isNoOpValue(key, v string) bool {
	v = strings.ToLower(v)
	switch strings.ToLower(key) {
	case "canonicalizehostname", "verifyhostkeydns", "forwardx11", "hostbasedauthentication", "gssapiauthentication":
		return v == "no" || v == "false" || v == "off"
	case "tunnel":
		return v == "no"
	case "pkcs11provider", "securitykeyprovider", "knownhostscommand", "localcommand", "remotecommand", "revokedhostkeys":
		return v == "none"
	}
	return false
}
