// Package proc reads the process table from /proc: the descendants of a
// process, and the peak memory of a process tree, sampled.
package proc

import (
	"bytes"
	"os"
	"strconv"
	"sync"
	"time"
)

// table maps live pids to their parent pids. Parents are read once per
// pid: reading /proc/PID/stat of thousands of processes at every sample
// would cost more CPU than the clients being measured.
type table struct {
	ppid map[int]int
}

func newTable() *table { return &table{ppid: map[int]int{}} }

// refresh lists /proc, forgets the pids gone and reads the new ones.
func (t *table) refresh() {
	d, err := os.Open("/proc")
	if err != nil {
		return
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	live := make(map[int]bool, len(names))
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		live[pid] = true
		if _, ok := t.ppid[pid]; !ok {
			if pp, ok := readPPID(pid); ok {
				t.ppid[pid] = pp
			}
		}
	}
	for pid := range t.ppid {
		if !live[pid] {
			delete(t.ppid, pid)
		}
	}
}

// tree returns root and its descendants.
func (t *table) tree(root int) []int {
	kids := map[int][]int{}
	for pid, pp := range t.ppid {
		kids[pp] = append(kids[pp], pid)
	}
	out := []int{root}
	for i := 0; i < len(out); i++ {
		out = append(out, kids[out[i]]...)
	}
	return out
}

// readPPID reads field 4 of /proc/PID/stat (after the parenthesised
// command name, which may hold spaces).
func readPPID(pid int) (int, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 2 {
		return 0, false
	}
	pp, err := strconv.Atoi(string(f[1]))
	return pp, err == nil
}

// Descendants returns the processes below root (not root itself).
func Descendants(root int) []int {
	t := newTable()
	t.refresh()
	return t.tree(root)[1:]
}

var pageSize = int64(os.Getpagesize())

// memory returns the resident and the anonymous (resident minus
// file-backed and shared) bytes of pid, from /proc/PID/statm.
func memory(pid int) (rss, anon int64, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0, 0, false
	}
	f := bytes.Fields(b)
	if len(f) < 3 {
		return 0, 0, false
	}
	res, _ := strconv.ParseInt(string(f[1]), 10, 64)
	shared, _ := strconv.ParseInt(string(f[2]), 10, 64)
	return res * pageSize, (res - shared) * pageSize, true
}

// Peak is the largest memory a process tree held at one sample.
type Peak struct {
	RSS   int64 // sum of the resident set sizes (counts shared pages once per process)
	Anon  int64 // sum of the private anonymous memory (heap, stacks)
	Procs int   // most processes in the tree at once
}

// Sampler samples the memory of a process tree until Stop.
type Sampler struct {
	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	peak Peak
}

// Sample starts sampling root's tree every interval.
func Sample(root int, interval time.Duration) *Sampler {
	s := &Sampler{stop: make(chan struct{}), done: make(chan struct{})}
	go s.run(root, interval)
	return s
}

func (s *Sampler) run(root int, interval time.Duration) {
	defer close(s.done)
	t := newTable()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		t.refresh()
		var p Peak
		for _, pid := range t.tree(root) {
			if rss, anon, ok := memory(pid); ok {
				p.RSS, p.Anon, p.Procs = p.RSS+rss, p.Anon+anon, p.Procs+1
			}
		}
		s.mu.Lock()
		s.peak = Peak{max(s.peak.RSS, p.RSS), max(s.peak.Anon, p.Anon), max(s.peak.Procs, p.Procs)}
		s.mu.Unlock()
		select {
		case <-s.stop:
			return
		case <-tick.C:
		}
	}
}

// Stop ends the sampling and returns the peak seen.
func (s *Sampler) Stop() Peak {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// CountDescendants returns how many processes are below the roots.
func CountDescendants(roots []int) int {
	t := newTable()
	t.refresh()
	n := 0
	for _, r := range roots {
		n += len(t.tree(r)) - 1
	}
	return n
}

// CPUBusy returns the share of the machine's CPU time (all cores, all
// processes) that was busy during d, from /proc/stat, in percent.
func CPUBusy(d time.Duration) float64 {
	busy0, total0 := cpuTimes()
	time.Sleep(d)
	busy1, total1 := cpuTimes()
	if total1 <= total0 {
		return 0
	}
	return 100 * float64(busy1-busy0) / float64(total1-total0)
}

// cpuTimes sums the first line of /proc/stat: busy and total jiffies.
func cpuTimes() (busy, total int64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := bytes.Fields(line)
	for i := 1; i < len(f) && i <= 8; i++ { // user nice system idle iowait irq softirq steal
		v, _ := strconv.ParseInt(string(f[i]), 10, 64)
		total += v
		if i != 4 && i != 5 { // idle, iowait
			busy += v
		}
	}
	return busy, total
}
