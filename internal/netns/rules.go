//go:build linux

package netns

import (
	"strconv"
	"strings"
)

// Rulesets for Host.Nft. Each makes the table "vmconn_lab"; loading a
// second one adds its rules to the first's.
const (
	// DropAll drops every packet the host receives, ICMP and IPv6
	// neighbour discovery included: the host looks powered off (it still
	// answers ARP, which nft's inet family does not see).
	DropAll = `table inet vmconn_lab {
	chain input {
		type filter hook input priority 0; policy drop;
		iif lo accept
	}
}
`
	// DropTCP drops every TCP segment the host receives; ping and
	// everything else still work.
	DropTCP = `table inet vmconn_lab {
	chain input {
		type filter hook input priority 0; policy accept;
		iif != lo meta l4proto tcp drop
	}
}
`
)

// OnlyTCP returns a ruleset that drops everything the host receives
// except TCP to the given ports (and IPv6 neighbour discovery, so that
// the host stays reachable over IPv6).
func OnlyTCP(ports ...int) string {
	return `table inet vmconn_lab {
	chain input {
		type filter hook input priority 0; policy drop;
		iif lo accept
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
		tcp dport { ` + portList(ports) + ` } accept
	}
}
`
}

// DropTCPPorts returns a ruleset that drops TCP to the given ports and
// lets everything else in.
func DropTCPPorts(ports ...int) string {
	return `table inet vmconn_lab {
	chain input {
		type filter hook input priority 0; policy accept;
		iif != lo tcp dport { ` + portList(ports) + ` } drop
	}
}
`
}

func portList(ports []int) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ", ")
}
