package vmconn

// AgentStateOf returns the agent forwarding state of c's current
// connection, for the tests of package vmconn_test. (Tests in package
// vmconn itself cannot use vmtest, which imports vmconn.)
func AgentStateOf(c *Client) (any, error) {
	cn, err := c.current()
	if err != nil {
		return nil, err
	}
	return cn.agentState(), nil
}
