package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/vmconn/vmconn/bench/internal/proc"
	"github.com/vmconn/vmconn/bench/internal/stats"
)

// Result is one run of every section.
type Result struct {
	Run        int
	Started    time.Time
	Finished   time.Time
	Servers    int    // sshd instances for the fan-out
	Rounds     [2]int // interleaved rounds of the latency and connect sections
	Load       []Load
	Latency    []Dist
	Connect    []Dist
	Phases     []Phases
	Transfer   []Transfer
	FanOut     []FanOut
	Jobs       []Dist
	Alive      []Verdict
	Online     []Dist   // back online: from sshd accepting again to logged in
	CLI        []Dist   // the CLI in a shell loop
	Unmeasured []string // sections not measured, and why
}

// Load is the load on the machine around a section.
type Load struct {
	Section    string
	Background float64 // % of all CPUs busy in the second before the section, while vmbench idled
	Begin      string  // /proc/loadavg's first three fields
	End        string
}

// Dist is one client's distribution of durations.
type Dist struct {
	Client string
	Note   string `json:",omitempty"`
	Err    string `json:",omitempty"`
	stats.Dist
}

// Phases are the median durations of the steps of a fresh connection.
type Phases struct {
	Variant string
	Steps   []Step
}

// Step is one step's median, in milliseconds.
type Step struct {
	Name   string
	Median float64
}

// Transfer is one client's stdout throughput.
type Transfer struct {
	Client  string
	Setting string // "common" or "default"
	Cipher  string // as sshd logged it
	Bytes   int64
	Seconds float64
	Err     string `json:",omitempty"`
}

// MiBps is the throughput in MiB/s.
func (t Transfer) MiBps() float64 {
	if t.Seconds == 0 {
		return 0
	}
	return float64(t.Bytes) / (1 << 20) / t.Seconds
}

// FanOut is one client's fan-out to N connections.
type FanOut struct {
	Client  string
	N       int
	OK      int
	Failed  int
	Errors  []string `json:",omitempty"`
	Seconds float64  // the fan-out itself, as the client timed it
	Wall    float64  // the whole process, start-up included
	Peak    proc.Peak
	Go      *GoPeak `json:",omitempty"` // vmconn only
	Err     string  `json:",omitempty"`
}

// Verdict is how long a liveness verdict took.
type Verdict struct {
	Host    string // "dead", "hung", "alive"
	Method  string
	Verdict string
	Seconds []float64
	Err     string `json:",omitempty"`
}

func (r *Result) write(file string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, append(b, '\n'), 0o644)
}

func readResult(file string) (*Result, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var r Result
	return &r, json.Unmarshal(b, &r)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	var a, b1, c string
	_, _ = fmt.Sscan(string(b), &a, &b1, &c)
	return a + " " + b1 + " " + c
}
