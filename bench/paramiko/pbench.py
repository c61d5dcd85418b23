#!/usr/bin/python3
"""paramiko side of the vmconn benchmarks (bench/run.sh).

Run with Debian's /usr/bin/python3 and python3-paramiko.

  pbench.py serve
      Reads one JSON request a line on stdin, answers one JSON line on
      stdout: {"op": "open" | "latency" | "fresh" | "throughput" | "close", ...}.
      Connections opened with "open" are kept until "close" or EOF, so
      that vmbench can interleave paramiko with the other clients.

  pbench.py fanout HOSTS_FILE THREADS COMMAND USER KEY KNOWN_HOSTS
      Runs COMMAND on every "host port" line of HOSTS_FILE, THREADS at
      once (a thread pool, one fresh connection per line), and prints
      {"ok", "failed", "errors", "seconds"}.

Every connection logs in with the key file, checks the host key against
the known_hosts file (RejectPolicy) and never uses an agent.
"""

import concurrent.futures
import json
import socket
import sys
import time

import paramiko

TIMEOUT = 300  # seconds; bounds connect, banner and auth under load


def connect(req):
    """Opens a fresh SSHClient as paramiko users do: known_hosts and the
    key file are read for each connection."""
    sock = socket.create_connection((req["host"], req["port"]), timeout=TIMEOUT)
    if req.get("nodelay"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    client = paramiko.SSHClient()
    client.load_host_keys(req["known_hosts"])
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(
        req["host"], port=req["port"], username=req["user"],
        key_filename=req["key"], sock=sock, timeout=TIMEOUT,
        banner_timeout=TIMEOUT, auth_timeout=TIMEOUT,
        allow_agent=False, look_for_keys=False)
    return client


def run(client, command, sink=None):
    """Runs command in a new session, reads stdout to EOF, returns
    (exit status, bytes read)."""
    chan = client.get_transport().open_session()
    try:
        chan.exec_command(command)
        n = 0
        while True:
            data = chan.recv(1 << 16)
            if not data:
                break
            n += len(data)
            if sink is not None:
                sink.append(data)
        return chan.recv_exit_status(), n
    finally:
        chan.close()


def op_latency(clients, req):
    client = clients[req["id"]]
    samples = []
    for _ in range(req["n"]):
        t0 = time.perf_counter_ns()
        status, _ = run(client, req["command"])
        samples.append(time.perf_counter_ns() - t0)
        if status != 0:
            raise RuntimeError("exit status %d" % status)
    return {"samples_ns": samples}


def op_fresh(req):
    samples = []
    for _ in range(req["n"]):
        t0 = time.perf_counter_ns()
        client = connect(req)
        try:
            status, _ = run(client, req["command"])
        finally:
            client.close()
        samples.append(time.perf_counter_ns() - t0)
        if status != 0:
            raise RuntimeError("exit status %d" % status)
    return {"samples_ns": samples}


def op_throughput(req):
    client = connect(req)
    try:
        sec = client.get_transport().remote_cipher, client.get_transport().remote_mac
        t0 = time.perf_counter_ns()
        status, n = run(client, req["command"])
        ns = time.perf_counter_ns() - t0
    finally:
        client.close()
    return {"bytes": n, "ns": ns, "status": status, "cipher": "%s %s" % sec}


def serve():
    clients = {}
    try:
        for line in sys.stdin:
            req = json.loads(line)
            try:
                op = req["op"]
                if op == "open":
                    clients[req["id"]] = connect(req)
                    resp = {}
                elif op == "close":
                    clients.pop(req["id"]).close()
                    resp = {}
                elif op == "latency":
                    resp = op_latency(clients, req)
                elif op == "fresh":
                    resp = op_fresh(req)
                elif op == "throughput":
                    resp = op_throughput(req)
                else:
                    raise ValueError("unknown op %r" % op)
            except Exception as e:  # reported to vmbench, which fails the row
                resp = {"error": "%s: %s" % (type(e).__name__, e)}
            sys.stdout.write(json.dumps(resp) + "\n")
            sys.stdout.flush()
    finally:
        for c in clients.values():
            c.close()


def fanout(hosts_file, threads, command, user, key, known_hosts):
    with open(hosts_file) as f:
        hosts = [l.split() for l in f if l.strip()]

    def one(hp):
        req = {"host": hp[0], "port": int(hp[1]), "user": user, "key": key,
               "known_hosts": known_hosts}
        client = connect(req)
        try:
            out = []
            status, _ = run(client, command, out)
            if status != 0 or b"".join(out) != b"ok\n":
                raise RuntimeError("status %d output %r" % (status, b"".join(out)))
        finally:
            client.close()

    ok, errors = 0, []
    t0 = time.perf_counter_ns()
    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        for fut in concurrent.futures.as_completed([pool.submit(one, hp) for hp in hosts]):
            try:
                fut.result()
                ok += 1
            except Exception as e:
                errors.append("%s: %s" % (type(e).__name__, e))
    ns = time.perf_counter_ns() - t0
    print(json.dumps({"ok": ok, "failed": len(errors), "errors": errors[:5], "seconds": ns / 1e9}))


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "serve":
        serve()
    elif len(sys.argv) == 8 and sys.argv[1] == "fanout":
        fanout(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
