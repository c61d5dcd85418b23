//go:build linux

package vmhost

import (
	"context"
	"fmt"
	"strings"
)

// LinkMode says how CutLink cuts the machine's link.
type LinkMode int

const (
	// Drop drops every packet the machine sends or receives, loopback
	// aside: a half-open link. Nothing is closed; each side learns of the
	// cut only from its own timeouts.
	Drop LinkMode = iota + 1
	// Reset answers every TCP segment, in either direction, with a TCP
	// reset: open connections die at their next segment, on both sides,
	// and new ones are refused. Other packets are dropped.
	Reset
)

// String returns the mode's name.
func (m LinkMode) String() string {
	switch m {
	case Drop:
		return "drop"
	case Reset:
		return "reset"
	}
	return fmt.Sprintf("LinkMode(%d)", int(m))
}

// linkTable is the nft table CutLink loads in the machine's network
// namespace; RestoreLink deletes it.
const linkTable = "vmhost_link"

// linkRules returns the ruleset for mode. Its chains come before netns's
// (priority -10) so that they see every packet first.
func linkRules(mode LinkMode) string {
	in, out := "iif != lo drop", "oif != lo drop"
	if mode == Reset {
		// The resets that the input chain sends must get out.
		in = "iif != lo meta l4proto tcp reject with tcp reset\n\t\t" + in
		out = "oif != lo tcp flags rst accept\n\t\toif != lo meta l4proto tcp reject with tcp reset\n\t\t" + out
	}
	return `table inet ` + linkTable + ` {
	chain input {
		type filter hook input priority -10; policy accept;
		` + in + `
	}
	chain output {
		type filter hook output priority -10; policy accept;
		` + out + `
	}
}
`
}

// CutLink cuts the machine's network link, as mode says, until
// RestoreLink. Cutting a cut link again changes its mode.
func (h *Host) CutLink(mode LinkMode) error {
	if mode != Drop && mode != Reset {
		return fmt.Errorf("vmhost: cut link: unknown mode %v", mode)
	}
	return h.nft(deleteLinkTable + linkRules(mode))
}

// RestoreLink mends a link that CutLink cut; it does nothing otherwise.
func (h *Host) RestoreLink() error { return h.nft(deleteLinkTable) }

// deleteLinkTable deletes the link table; adding it first makes deleting
// a missing table no error. nft applies a file as one transaction.
const deleteLinkTable = "table inet " + linkTable + "\ndelete table inet " + linkTable + "\n"

// nft loads a ruleset into the machine's network namespace.
func (h *Host) nft(ruleset string) error {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	cmd := h.VM.Command(ctx, lookTool("nft"), "-f", "-")
	cmd.Stdin = strings.NewReader(ruleset)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("vmhost: nft in %s: %v: %s\nruleset:\n%s", h.VM.NS, err, out, ruleset)
	}
	return nil
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.SplitAfter(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "")
}
