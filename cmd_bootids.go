package vmconn

// BootIDs returns the boot ids that RebootGuard read before the command
// started and after it ended; each is "" when it was not read (no
// RebootGuard, the read failed, or Wait has not returned).
func (cmd *Cmd) BootIDs() (before, after string) {
	return cmd.bootBefore, cmd.bootAfter
}
