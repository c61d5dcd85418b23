package vmconn_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/vmconn/vmconn"
)

func TestAliveResultString(t *testing.T) {
	ssh := func(o vmconn.Outcome, detail string) vmconn.LayerResult {
		return vmconn.LayerResult{Layer: vmconn.LayerSSH, Target: "ssh/22", Outcome: o, Detail: detail}
	}
	tcp := func(port string, o vmconn.Outcome) vmconn.LayerResult {
		return vmconn.LayerResult{Layer: vmconn.LayerTCP, Target: "tcp/" + port, Outcome: o}
	}
	icmp := func(o vmconn.Outcome) vmconn.LayerResult {
		return vmconn.LayerResult{Layer: vmconn.LayerICMP, Target: "icmp", Outcome: o}
	}
	tests := []struct {
		want string
		r    vmconn.AliveResult
	}{
		{"alive: ssh", vmconn.AliveResult{Layer: vmconn.LayerSSH, Operational: true, Layers: []vmconn.LayerResult{ssh(vmconn.Answered, "")}}},
		{"alive: ssh (auth failed: host key unknown)", vmconn.AliveResult{Layer: vmconn.LayerSSH, Layers: []vmconn.LayerResult{ssh(vmconn.AuthFailed, "host key unknown")}}},
		{"alive: ssh (not operational)", vmconn.AliveResult{Layer: vmconn.LayerSSH, Layers: []vmconn.LayerResult{ssh(vmconn.Degraded, "")}}},
		{"alive: tcp (443 refused)", vmconn.AliveResult{Layer: vmconn.LayerTCP, Layers: []vmconn.LayerResult{
			ssh(vmconn.TimedOut, ""), tcp("22", vmconn.TimedOut), tcp("443", vmconn.Refused), tcp("80", vmconn.Cancelled), icmp(vmconn.Answered)}}},
		{"alive: tcp (22 refused, 443 open)", vmconn.AliveResult{Layer: vmconn.LayerTCP, Layers: []vmconn.LayerResult{
			ssh(vmconn.Refused, ""), tcp("22", vmconn.Refused), tcp("443", vmconn.Answered)}}},
		{"alive: icmp", vmconn.AliveResult{Layer: vmconn.LayerICMP, Layers: []vmconn.LayerResult{tcp("22", vmconn.TimedOut), icmp(vmconn.Answered)}}},
		{"down", vmconn.AliveResult{Layers: []vmconn.LayerResult{tcp("22", vmconn.TimedOut), icmp(vmconn.TimedOut)}}},
		{"down (icmp not permitted)", vmconn.AliveResult{Layers: []vmconn.LayerResult{tcp("22", vmconn.Unreachable), icmp(vmconn.NotPermitted)}}},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// Which outcomes prove a host alive depends on the layer: a refusal does
// at TCP, not at SSH; an auth failure does at SSH.
func TestLayerResultAnswered(t *testing.T) {
	yes := map[vmconn.Layer][]vmconn.Outcome{
		vmconn.LayerSSH:  {vmconn.Answered, vmconn.AuthFailed, vmconn.Degraded},
		vmconn.LayerTCP:  {vmconn.Answered, vmconn.Refused},
		vmconn.LayerICMP: {vmconn.Answered},
	}
	for layer, outcomes := range yes {
		for o := vmconn.Skipped; o <= vmconn.Cancelled; o++ {
			want := false
			for _, y := range outcomes {
				want = want || y == o
			}
			if got := (vmconn.LayerResult{Layer: layer, Outcome: o}).Answered(); got != want {
				t.Errorf("%v %v: Answered() = %v, want %v", layer, o, got, want)
			}
		}
	}
}

func TestLayerText(t *testing.T) {
	for _, l := range []vmconn.Layer{vmconn.LayerNone, vmconn.LayerICMP, vmconn.LayerTCP, vmconn.LayerSSH} {
		b, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		var back vmconn.Layer
		if err := json.Unmarshal(b, &back); err != nil || back != l {
			t.Errorf("%v: round trip through %s gave %v, %v", l, b, back, err)
		}
	}
	if l, err := vmconn.ParseLayer("SSH"); err != nil || l != vmconn.LayerSSH {
		t.Errorf("ParseLayer(SSH) = %v, %v", l, err)
	}
	if _, err := vmconn.ParseLayer("http"); !errors.Is(err, vmconn.ErrConfig) {
		t.Errorf("ParseLayer(http): %v, want ErrConfig", err)
	}
	b, _ := json.Marshal(struct{ O vmconn.Outcome }{vmconn.NotPermitted})
	if string(b) != `{"O":"not-permitted"}` {
		t.Errorf("outcome JSON %s", b)
	}
}
