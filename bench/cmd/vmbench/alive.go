package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/alive"
)

// Liveness: how long a verdict takes, alive.Check (SSH, TCP 22/443/80
// and ICMP probed at once under one 3s timeout) against the same probes
// one after another, each with the same 3s timeout, highest layer first,
// stopping at the first answer: ssh true, TCP connects, ping.
const aliveTimeout = 3 * time.Second

// aliveTarget is a host and the settings to probe it.
type aliveTarget struct {
	name    string // "alive", "hung", "dead"
	ip      string
	port    int
	user    string
	cfg     *vmconn.Config
	sshOpts []string
}

func (b *bench) alive(ctx context.Context) error {
	base := aliveTarget{ip: "127.0.0.1", user: b.farm.User, cfg: b.vmconnConfig(), sshOpts: b.sshOpts()}
	up, hung := base, base
	up.name, up.port = "alive (sshd on loopback)", b.main.Port
	hung.name, hung.port = "hung (sshd stopped with SIGSTOP: TCP accepts, SSH silent)", b.hung.Port
	b.res.Alive = append(b.res.Alive, probeBoth(ctx, up, b.opts.aliveReps)...)
	if err := pauseProcess(b.hung.Pid()); err != nil {
		return err
	}
	b.res.Alive = append(b.res.Alive, probeBoth(ctx, hung, b.opts.aliveReps)...)
	if err := resumeProcess(b.hung.Pid()); err != nil {
		return err
	}
	dead, err := b.deadHost(ctx)
	if err != nil {
		b.res.Alive = append(b.res.Alive, Verdict{Host: "dead", Err: err.Error()})
		return nil
	}
	b.res.Alive = append(b.res.Alive, dead...)
	return nil
}

// deadHost runs alive-worker in a new network namespace where 10.99.0.0/24
// is routed to the loopback interface, which owns no such address: the
// namespace drops every packet to 10.99.0.2 without a word (no ICMP
// reply, no TCP answer), as with a dead host. Needs root.
func (b *bench) deadHost(ctx context.Context) ([]Verdict, error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("not measured: a dead host needs a network namespace (root)")
	}
	script := `ip link set lo up && ip route add 10.99.0.0/24 dev lo && exec "$@"`
	args := []string{"--net", "--", "/bin/sh", "-c", script, "sh", b.self, "alive-worker",
		"-user", b.farm.User, "-key", b.farm.ClientKey, "-known-hosts", b.farm.KnownHosts,
		"-reps", strconv.Itoa(b.opts.aliveReps)}
	cmd := exec.CommandContext(ctx, "unshare", args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("alive-worker: %w", err)
	}
	var v []Verdict
	return v, json.Unmarshal(out, &v)
}

// cmdAliveWorker probes the dead host 10.99.0.2 (see deadHost).
func cmdAliveWorker(args []string) error {
	fs := flag.NewFlagSet("alive-worker", flag.ExitOnError)
	user := fs.String("user", "", "login user")
	key := fs.String("key", "", "private key file")
	known := fs.String("known-hosts", "", "known_hosts file")
	reps := fs.Int("reps", 2, "verdicts per method")
	_ = fs.Parse(args)
	t := aliveTarget{name: "dead (no answer at any layer: packets dropped)", ip: "10.99.0.2", port: 22, user: *user,
		cfg: &vmconn.Config{User: *user, IdentityFiles: []string{*key}, KnownHostsFiles: []string{*known}, NoAgent: true}}
	t.sshOpts = []string{"-F", "/dev/null", "-i", *key, "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
		"-o", "UserKnownHostsFile=" + *known, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return json.NewEncoder(os.Stdout).Encode(probeBoth(ctx, t, *reps))
}

// probeBoth times reps verdicts of each method, alternating them.
func probeBoth(ctx context.Context, t aliveTarget, reps int) []Verdict {
	vm := Verdict{Host: t.name, Method: "alive.Check (layers at once, 3s timeout)"}
	seq := Verdict{Host: t.name, Method: "sequential probes (ssh, tcp 22/443/80, ping; 3s each)"}
	for range reps {
		start := time.Now()
		res, err := alive.Check(ctx, t.user+"@"+net.JoinHostPort(t.ip, strconv.Itoa(t.port)),
			&alive.Options{Config: t.cfg, Timeout: aliveTimeout})
		vm.Seconds = append(vm.Seconds, time.Since(start).Seconds())
		if err != nil {
			vm.Err = err.Error()
		} else {
			vm.Verdict = res.String()
		}
		start = time.Now()
		seq.Verdict = sequential(ctx, t)
		seq.Seconds = append(seq.Seconds, time.Since(start).Seconds())
	}
	return []Verdict{vm, seq}
}

// sequential probes the layers one after another, highest first, and
// returns the verdict of the first that answers.
func sequential(ctx context.Context, t aliveTarget) string {
	sshCtx, cancel := context.WithTimeout(ctx, aliveTimeout)
	args := append(append([]string{}, t.sshOpts...), "-o", "ConnectTimeout=3", "-p", strconv.Itoa(t.port), t.user+"@"+t.ip, "true")
	err := sshCommand(sshCtx, args...).Run()
	cancel()
	if err == nil {
		return "alive: ssh"
	}
	for _, port := range []int{t.port, 443, 80} {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(t.ip, strconv.Itoa(port)), aliveTimeout)
		if err == nil {
			c.Close()
			return "alive: tcp"
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			return "alive: tcp"
		}
	}
	if exec.CommandContext(ctx, "ping", "-n", "-c", "1", "-W", "3", t.ip).Run() == nil {
		return "alive: icmp"
	}
	return "down"
}
