// Package transfer copies files and directories to and from a machine
// over SFTP (github.com/pkg/sftp), like scp -r, on a vmconn.Client.
//
// Upload and Download copy a file or a whole tree: permission bits kept
// (Download drops setuid, setgid and sticky bits unless
// Options.KeepSpecialBits), modification times with
// Options.PreserveTimes, SHA-256 checked against the remote sha256sum
// with Options.Verify (a mismatch wraps ErrChecksum, which is retryable).
// Each file is written under a temporary name and renamed into place, so
// a reader never sees a half-written file and an interrupted copy leaves
// the old one. Download trusts no server: a listing with a name that is
// not one plain file name is an *UnsafeNameError, and nothing is written
// outside the destination. Open gives an SFTP session for other file
// operations.
//
// The package uses only vmconn's exported API, no back door into the
// core, so that a user could build the same: an SFTP session is a
// vmconn.Session (Client.NewSession) with the "sftp" subsystem, so it
// holds one of the client's session slots (Config.MaxSessions) like any
// command, and Verify's checksum runs with Session.SideOutput, which
// takes no second slot (under MaxSessions 1 it could never get one). Errors say "vmconn: upload: ...", "vmconn: download: ..." or
// "vmconn: sftp host:port: ...", with "vmconn: " once; connection
// failures wrap vmconn's sentinels (vmconn.ErrConnLost, ...), and
// vmconn.Retryable answers for them all.
package transfer
