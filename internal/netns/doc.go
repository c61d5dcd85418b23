// Package netns builds throw-away test hosts out of Linux network
// namespaces, for tests that need faults only a real kernel shows: a host
// that drops every packet, one that refuses every port, one that answers
// ping but drops TCP.
//
// A Lab is a set of namespaces wired to one bridge that lives in a
// namespace of its own. Each Host gets an interface eth0 on that bridge
// with an address in 192.0.2.0/24 and one in 2001:db8::/64 (documentation
// ranges), and nothing else: no default route, so no packet from a lab
// ever leaves it. The root network namespace is never changed: no link,
// address, route or firewall rule is added to it. A test that probes lab
// hosts runs its probing side inside a lab host too, either by
// re-executing its own test binary there (Host.RunTest) or, for a socket
// created synchronously, with Host.Do.
//
// Labs need root and the ip (iproute2) and nft (nftables) tools; StartSSHD
// also needs OpenSSH's sshd. Without them NewLab skips the test, except
// when the environment has CI=true: then it fails, so that CI cannot pass
// without running these tests.
//
// Everything a Lab makes (namespaces, processes, listeners) is removed by
// the test's cleanup, also when the test fails. Namespaces left behind by
// an earlier run that was killed are removed by the next NewLab: their
// names carry the pid of the process that made them.
//
// The package is Linux only: on other systems it is empty (this file
// alone builds), and tests that use it carry a linux build tag.
package netns
