package vmconn

// Config returns a copy of the Config the client was dialled with, for
// code that opens a second connection to the same machine with the same
// credentials (package alive logs in anew with it). Its slices and
// callbacks are the caller's originals: treat them as read-only. A zero
// Client's is the zero Config.
func (c *Client) Config() *Config {
	cfg := c.cfg
	return &cfg
}
