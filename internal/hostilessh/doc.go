// Package hostilessh is an SSH server for tests that misbehaves on
// purpose, written with x/crypto's server API on 127.0.0.1:0: it can
// leave channel opens or session requests (exec, pty-req, env, subsystem)
// unanswered for ever, refuse them, or refuse session channels as a
// server at its MaxSessions limit does. Everything it does not refuse or
// ignore it accepts: an exec request is answered with exit status 0.
//
// It is the hostile counterpart of vmtest: vmtest behaves like a machine,
// hostilessh like a broken or malicious server. Any client key and the
// "none" method are accepted.
package hostilessh
