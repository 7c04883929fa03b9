"""Benchmark: the idle agent's CPU and memory at one sample per second.

Starts a real jupyter_server (token, one kernel, one terminal) so the Jupyter signal does
real HTTP work, then runs the agent at ``--sample-seconds 1`` for ``--seconds`` with the
default signals (jupyter, terminal, gpu, cpu) and with ssh added, and reads the agent's
own /proc/<pid>/stat (utime + stime) and /proc/<pid>/status (VmRSS, VmHWM). Start-up
(imports, discovery) is excluded by measuring CPU from a warm-up mark onward. Two ways to
run it are measured: the embedded agent script under a bare python (what lifecycle
scripts install) and ``mlcost agent run`` in the project's virtualenv.

    .venv/bin/python bench/agent_overhead.py --seconds 60

Targets (issue 3): under 0.5% of one core, under 50 MB RSS. No metrics are published
(--no-publish): a PutMetricData every 5 minutes is one HTTPS call and would need AWS.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from mlcost.agent import bundle

TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        rest = fh.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / TICK


def _mem_kb(pid: int) -> dict[str, int]:
    out = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            key, _, val = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(val.split()[0])
    return out


def _start_jupyter(root: Path) -> tuple[subprocess.Popen, str, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    runtime = root / "runtime"
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(runtime), JUPYTER_CONFIG_DIR=str(root / "cfg"))
    token = "bench-token"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while not glob.glob(str(runtime / "jpserver-*.json")):
        time.sleep(0.2)
    url = f"http://127.0.0.1:{port}/"
    for path in ("api/kernels", "api/terminals"):
        req = urllib.request.Request(
            url + path, data=b"{}", method="POST", headers={"Authorization": f"token {token}"}
        )
        urllib.request.urlopen(req, timeout=60).read()
    return proc, url, token


def measure(cmd: list[str], env: dict[str, str], seconds: float, warmup: float) -> dict[str, float]:
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        time.sleep(warmup)
        c0, t0 = _cpu_seconds(proc.pid), time.monotonic()
        time.sleep(seconds)
        c1, t1 = _cpu_seconds(proc.pid), time.monotonic()
        mem = _mem_kb(proc.pid)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    decisions = err.count("decision=")
    return {
        "cpu_pct_one_core": round(100.0 * (c1 - c0) / (t1 - t0), 3),
        "cpu_seconds": round(c1 - c0, 2),
        "wall_seconds": round(t1 - t0, 1),
        "rss_mb": round(mem.get("VmRSS", 0) / 1024, 1),
        "peak_rss_mb": round(mem.get("VmHWM", 0) / 1024, 1),
        "decisions_logged": decisions,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument(
        "--bare-python",
        default="/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable,
    )
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        jproc, url, token = _start_jupyter(root)
        try:
            agent = root / "mlcost-agent.py"
            agent.write_text(bundle.build_script())
            # what a notebook lifecycle script installs: signs with botocore, which it
            # imports at start once it knows its target (a notebook, from the metadata file)
            notebook_agent = root / "mlcost-agent-notebook.py"
            signals = frozenset({"jupyter", "terminal", "gpu", "cpu"})
            notebook_agent.write_text(bundle.build_script("notebook", signals, "botocore"))
            meta = root / "resource-metadata.json"
            arn = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/bench"
            meta.write_text(json.dumps({"ResourceArn": arn, "ResourceName": "bench"}))
            base = [
                "--sample-seconds",
                "1",
                "--jupyter-url",
                url,
                "--target",
                "none",
                "--no-publish",
                "--dry-run",
            ]
            default = [*base, "--signals", "jupyter,terminal,gpu,cpu"]
            every = [*base, "--signals", "jupyter,terminal,gpu,cpu,ssh"]
            env = dict(os.environ, MLCOST_AGENT_JUPYTER_TOKEN=token)
            embedded = [a.bare_python, str(agent), "run"]
            cli = [str(Path(sys.executable).parent / "mlcost"), "agent", "run"]
            results = {
                "embedded script, default signals (jupyter,terminal,gpu,cpu)": measure(
                    [*embedded, *default], env, a.seconds, a.warmup
                ),
                "embedded script, + ssh": measure([*embedded, *every], env, a.seconds, a.warmup),
                "notebook script's agent (botocore signer, venv python), default signals": measure(
                    [
                        sys.executable,
                        str(notebook_agent),
                        "run",
                        *[x for x in default if x not in ("--target", "none")],
                        "--target",
                        "notebook",
                        "--metadata-file",
                        str(meta),
                    ],
                    env,
                    a.seconds,
                    a.warmup,
                ),
                "mlcost agent run (venv CLI), default signals": measure(
                    [*cli, *default], env, a.seconds, a.warmup
                ),
            }
        finally:
            jproc.terminate()
            jproc.wait(timeout=20)
    with open("/proc/net/tcp") as fh:
        sockets = sum(1 for _ in fh) - 1
    with os.scandir("/proc") as it:
        processes = sum(1 for e in it if e.name.isdigit())
    info = {
        "cpus": os.cpu_count(),
        "processes_in_proc": processes,
        "bare_python": a.bare_python,
        "ipv4_sockets_in_proc_net_tcp": sockets,
        "seconds": a.seconds,
        "results": results,
    }
    print(json.dumps(info, indent=2))


if __name__ == "__main__":
    main()
