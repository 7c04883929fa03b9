"""Benchmark: how many requests a second `mlcost bench` offers open-loop from one core.

A trivial server (an asyncio protocol answering every keep-alive HTTP/1.1 request with one
small JSON body, no delay: far cheaper per request than any framework, so it is not the
bottleneck) runs in a child process pinned to its own core(s); the load generator (``mlcost.bench.runner``, the code `mlcost bench` runs,
``--backend http``) is pinned to one core. For each offered rate it reports the achieved
successful req/s, the generator's send lag (how late requests left against their schedule:
the sign it is saturated) and the latency percentiles measured from the intended send time.
The same run measures a closed-loop baseline (N clients back to back) for comparison: the
closed loop's req/s is the most this client+server pair can do on one generator core.

    .venv/bin/python bench/bench_load.py --duration 10 --rate 1000 --rate 2000 --rate 3000 \
        --concurrency 1 --concurrency 16 --concurrency 64

Target (issue 21): >= 2,000 req/s open-loop from one core with the offered rate achieved.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import time

SERVER = r"""
import asyncio, os, re, sys
os.sched_setaffinity(0, {int(c) for c in sys.argv[2].split(",")})
BODY = b'{"ok":true}'
ANSWER = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
          % len(BODY)) + BODY
LENGTH = re.compile(rb"content-length:\s*(\d+)", re.I)

class Answer(asyncio.Protocol):
    # keep-alive HTTP/1.1: each request (headers + Content-Length body) gets ANSWER
    def connection_made(self, transport):
        self.transport, self.buf = transport, b""
    def data_received(self, data):
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            m = LENGTH.search(self.buf, 0, end)
            total = end + 4 + (int(m.group(1)) if m else 0)
            if len(self.buf) < total:
                return
            self.buf = self.buf[total:]
            self.transport.write(ANSWER)

async def main():
    server = await asyncio.get_running_loop().create_server(Answer, "127.0.0.1", int(sys.argv[1]))
    await server.serve_forever()
asyncio.run(main())
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the trivial server did not start")


async def _levels(url: str, rates: list[float], clients: list[int], duration: float) -> list:
    from mlcost.bench.arrivals import Arrivals, offsets
    from mlcost.bench.backends import Backend
    from mlcost.bench.runner import Target, preflight, run_closed, run_open

    target = Target(url, Backend.http, [{"inputs": "x"}], timeout_s=30)
    await preflight(target)
    out = []
    for n in clients:
        cpu = _cpu()
        level = await run_closed(target, n, duration)
        out.append((level, _cpu() - cpu))
    for rate in rates:
        cpu = _cpu()
        level = await run_open(target, offsets(Arrivals.poisson, rate, duration), rate)
        out.append((level, _cpu() - cpu))
    return out


def _cpu() -> float:
    """This process's CPU seconds (user + system): per request, the generator's real cost,
    which other work on the machine does not inflate the way it inflates wall time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--rate", type=float, action="append")
    parser.add_argument("--concurrency", type=int, action="append")
    parser.add_argument("--client-core", type=int, default=0)
    parser.add_argument("--server-cores", default="1")
    parser.add_argument("--json", action="store_true", help="print the summaries as JSON")
    args = parser.parse_args()
    rates = args.rate or [1000.0, 2000.0, 3000.0]
    clients = args.concurrency or [1, 16, 64]
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port), args.server_cores])
    try:
        _wait(port)
        os.sched_setaffinity(0, {args.client_core})
        levels = asyncio.run(
            _levels(f"http://127.0.0.1:{port}/infer", rates, clients, args.duration)
        )
    finally:
        server.terminate()
        server.wait(10)
    if args.json:
        print(json.dumps([{**lv.as_dict(), "cpu_s": cpu} for lv, cpu in levels], indent=2))
        return
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load average "
        f"{os.getloadavg()[0]:.2f}; generator on core {args.client_core}, "
        f"server on {args.server_cores}; "
        f"{args.duration:g} s a level"
    )
    print(
        f"{'mode':6} {'load':>8} {'requests':>9} {'ok req/s':>9} {'errors':>7} "
        f"{'lag p99 ms':>10} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'CPU us/req':>10} "
        f"{'1-core cap':>10}"
    )
    for lv, cpu in levels:
        per = cpu / lv.requests * 1e6 if lv.requests else float("nan")
        load = f"{lv.load:g}/s" if lv.mode == "open" else f"{lv.load:g} cl"
        print(
            f"{lv.mode:6} {load:>8} {lv.requests:>9} {lv.req_per_s:>9.0f} "
            f"{lv.requests - lv.ok:>7} {lv.send_lag_ms['p99']:>10.2f} "
            f"{lv.latency_ms['p50']:>8.2f} {lv.latency_ms['p99']:>8.2f} "
            f"{lv.latency_ms['max']:>8.2f} {per:>10.0f} {1e6 / per:>10.0f}"
        )


if __name__ == "__main__":
    main()
