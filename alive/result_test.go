package alive_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/alive"
)

func TestResultString(t *testing.T) {
	t.Parallel()
	ssh := func(o alive.Outcome, detail string) alive.LayerResult {
		return alive.LayerResult{Layer: alive.LayerSSH, Target: "ssh/22", Outcome: o, Detail: detail}
	}
	tcp := func(port string, o alive.Outcome) alive.LayerResult {
		return alive.LayerResult{Layer: alive.LayerTCP, Target: "tcp/" + port, Outcome: o}
	}
	icmp := func(o alive.Outcome) alive.LayerResult {
		return alive.LayerResult{Layer: alive.LayerICMP, Target: "icmp", Outcome: o}
	}
	tests := []struct {
		want string
		r    alive.Result
	}{
		{"alive: ssh", alive.Result{Layer: alive.LayerSSH, Operational: true, Layers: []alive.LayerResult{ssh(alive.Answered, "")}}},
		{"alive: ssh (auth failed: host key unknown)", alive.Result{Layer: alive.LayerSSH, Layers: []alive.LayerResult{ssh(alive.AuthFailed, "host key unknown")}}},
		{"alive: ssh (not operational)", alive.Result{Layer: alive.LayerSSH, Layers: []alive.LayerResult{ssh(alive.Degraded, "")}}},
		{"alive: tcp (443 refused)", alive.Result{Layer: alive.LayerTCP, Layers: []alive.LayerResult{
			ssh(alive.TimedOut, ""), tcp("22", alive.TimedOut), tcp("443", alive.Refused), tcp("80", alive.Cancelled), icmp(alive.Answered)}}},
		{"alive: tcp (22 refused, 443 open)", alive.Result{Layer: alive.LayerTCP, Layers: []alive.LayerResult{
			ssh(alive.Refused, ""), tcp("22", alive.Refused), tcp("443", alive.Answered)}}},
		{"alive: icmp", alive.Result{Layer: alive.LayerICMP, Layers: []alive.LayerResult{tcp("22", alive.TimedOut), icmp(alive.Answered)}}},
		{"down", alive.Result{Layers: []alive.LayerResult{tcp("22", alive.TimedOut), icmp(alive.TimedOut)}}},
		{"down (icmp not permitted)", alive.Result{Layers: []alive.LayerResult{tcp("22", alive.Unreachable), icmp(alive.NotPermitted)}}},
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
	t.Parallel()
	yes := map[alive.Layer][]alive.Outcome{
		alive.LayerSSH:  {alive.Answered, alive.AuthFailed, alive.Degraded},
		alive.LayerTCP:  {alive.Answered, alive.Refused},
		alive.LayerICMP: {alive.Answered},
	}
	for layer, outcomes := range yes {
		for o := alive.Skipped; o <= alive.Cancelled; o++ {
			want := false
			for _, y := range outcomes {
				want = want || y == o
			}
			if got := (alive.LayerResult{Layer: layer, Outcome: o}).Answered(); got != want {
				t.Errorf("%v %v: Answered() = %v, want %v", layer, o, got, want)
			}
		}
	}
}

func TestLayerText(t *testing.T) {
	t.Parallel()
	for _, l := range []alive.Layer{alive.LayerNone, alive.LayerICMP, alive.LayerTCP, alive.LayerSSH} {
		b, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		var back alive.Layer
		if err := json.Unmarshal(b, &back); err != nil || back != l {
			t.Errorf("%v: round trip through %s gave %v, %v", l, b, back, err)
		}
	}
	if l, err := alive.ParseLayer("SSH"); err != nil || l != alive.LayerSSH {
		t.Errorf("ParseLayer(SSH) = %v, %v", l, err)
	}
	if _, err := alive.ParseLayer("http"); !errors.Is(err, vmconn.ErrConfig) {
		t.Errorf("ParseLayer(http): %v, want ErrConfig", err)
	}
	b, _ := json.Marshal(struct{ O alive.Outcome }{alive.NotPermitted})
	if string(b) != `{"O":"not-permitted"}` {
		t.Errorf("outcome JSON %s", b)
	}
}
