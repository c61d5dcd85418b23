package alive

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vmconn/vmconn"
)

// Layer is a network layer that Check probes. Layers are ordered: a
// higher layer answering implies the ones below work.
type Layer int

// The layers, lowest first. LayerNone is the verdict when nothing answered.
const (
	LayerNone Layer = iota // nothing answered
	LayerICMP              // IP: an ICMP echo reply
	LayerTCP               // transport: a TCP connect completed or was refused
	LayerSSH               // application: the SSH service answered
)

var layerNames = [...]string{"none", "icmp", "tcp", "ssh"}

// String returns "none", "icmp", "tcp" or "ssh".
func (l Layer) String() string {
	if l >= 0 && int(l) < len(layerNames) {
		return layerNames[l]
	}
	return "layer(" + strconv.Itoa(int(l)) + ")"
}

// MarshalText encodes the layer as its String.
func (l Layer) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText decodes a layer name, as ParseLayer does.
func (l *Layer) UnmarshalText(b []byte) error {
	v, err := ParseLayer(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// ParseLayer parses "none", "icmp", "tcp" or "ssh" (any case). Other
// names are a vmconn.ErrConfig error.
func ParseLayer(s string) (Layer, error) {
	for i, n := range layerNames {
		if strings.EqualFold(s, n) {
			return Layer(i), nil
		}
	}
	return LayerNone, fmt.Errorf("vmconn: unknown layer %q (want ssh, tcp or icmp): %w", s, vmconn.ErrConfig)
}
