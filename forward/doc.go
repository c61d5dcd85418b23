// Package forward opens SSH port forwards on a vmconn.Client that survive
// reconnections: local (ssh -L), remote (ssh -R) and dynamic SOCKS5
// (ssh -D) forwards.
//
// A local or dynamic forward keeps its local listener for its whole life:
// when the connection is lost, new connections wait for vmconn to
// reconnect (up to the client's connect timeout) and then go through the
// new connection, or are closed. A remote forward is requested again on
// every new connection. Connections in flight when the link drops end
// (the local side is closed); they never hang.
//
// Each forward watches the client and reconnects it when the connection
// is lost, so a forward comes back even while nothing else uses the
// client. Options.OnEvent reports each forward's state changes.
package forward
