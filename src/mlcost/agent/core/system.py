"""CPU and SSH/remote-IDE signals read from /proc (Linux only, no dependencies).

CPU is measured as the machine's busy time between two samples minus the agent's own
CPU time (/proc/self/stat), expressed both as percent of the whole machine (what the
CloudWatch metric carries, like EC2's CPUUtilization) and as percent of one core summed
over cores (what the idle threshold compares): a single-threaded job on a 96-vCPU box is
1% of the machine but 100% of one core, and must keep the box alive.
"""

from __future__ import annotations

import os
import time

from .signals import Reading

PROC = os.environ.get("MLCOST_AGENT_PROC", "/proc")


def _read_stat(proc: str) -> tuple[int, int, int]:
    """(busy jiffies, total jiffies, cpu count) from the aggregate line of /proc/stat."""
    with open(os.path.join(proc, "stat")) as fh:
        lines = fh.read().splitlines()
    fields = [int(x) for x in lines[0].split()[1:]]
    # user nice system idle iowait irq softirq steal [guest guest_nice: already in user]
    total = sum(fields[:8])
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    ncpu = sum(1 for line in lines if line.startswith("cpu") and line[3:4].isdigit())
    return total - idle, total, max(ncpu, 1)


def _self_jiffies(proc: str) -> int:
    """utime + stime of this process (and its waited-for children) in clock ticks."""
    with open(os.path.join(proc, "self", "stat")) as fh:
        raw = fh.read()
    rest = raw[raw.rindex(")") + 2 :].split()
    # fields after "(comm)": state=0 ... utime=11 stime=12 cutime=13 cstime=14
    return int(rest[11]) + int(rest[12]) + int(rest[13]) + int(rest[14])


class CpuSampler:
    """Machine CPU use between consecutive calls, excluding the agent's own time."""

    def __init__(self, threshold_core_pct: float, proc: str = PROC) -> None:
        self.threshold = threshold_core_pct
        self.proc = proc
        self._prev: tuple[int, int, int] | None = None
        self.prime()

    def prime(self) -> None:
        """Take the baseline the next sample is measured against."""
        try:
            busy, total, _ = _read_stat(self.proc)
            self._prev = (busy, total, _self_jiffies(self.proc))
        except (OSError, ValueError, IndexError):
            self._prev = None

    def sample(self) -> Reading:
        try:
            busy, total, ncpu = _read_stat(self.proc)
            mine = _self_jiffies(self.proc)
        except (OSError, ValueError, IndexError) as err:
            return Reading("cpu", None, f"cannot read {self.proc}/stat: {err}")
        prev, self._prev = self._prev, (busy, total, mine)
        if prev is None or total <= prev[1]:
            return Reading("cpu", None, "no CPU baseline yet (first sample)")
        d_total = total - prev[1]
        d_busy = max(0, (busy - prev[0]) - (mine - prev[2]))
        machine_pct = 100.0 * d_busy / d_total
        core_pct = machine_pct * ncpu
        busy_now = core_pct >= self.threshold
        return Reading(
            "cpu",
            busy_now,
            f"{core_pct:.1f}% of one core ({machine_pct:.1f}% of {ncpu} vCPU, agent excluded), "
            f"threshold {self.threshold:g}%",
            values={"cpu_machine_pct": machine_pct, "cpu_core_pct": core_pct},
        )


def count_established(ports: tuple[int, ...], proc: str = PROC) -> int:
    """Established inbound TCP connections to any of ``ports`` (IPv4 and IPv6)."""
    n = 0
    for name in ("tcp", "tcp6"):
        try:
            with open(os.path.join(proc, "net", name)) as fh:
                next(fh, None)
                for line in fh:
                    parts = line.split(None, 4)  # sl, local, remote, state, rest
                    if len(parts) < 4 or parts[3] != "01":  # 01 = TCP_ESTABLISHED
                        continue
                    if int(parts[1].rsplit(":", 1)[1], 16) in ports:
                        n += 1
        except FileNotFoundError:
            continue
    return n


def sample_ssh(ports: tuple[int, ...], proc: str = PROC) -> Reading:
    """Busy while anyone holds an SSH / remote-IDE connection to this machine."""
    if not os.path.exists(os.path.join(proc, "net", "tcp")):
        return Reading("ssh", None, f"cannot read {proc}/net/tcp")
    try:
        n = count_established(ports, proc)
    except (OSError, ValueError) as err:
        return Reading("ssh", None, f"cannot parse {proc}/net/tcp: {err}")
    ports_s = ",".join(str(p) for p in ports)
    return Reading(
        "ssh", n > 0, f"{n} established connection(s) to port {ports_s}", values={"ssh": float(n)}
    )


class SshSampler:
    """``sample_ssh`` at most every ``min_interval`` seconds.

    The kernel builds /proc/net/tcp on every read, one line per socket: on a busy host
    that costs milliseconds, the largest part of the agent's CPU at 1 sample/s. A
    connection shorter than the interval barely matters against a 60-minute timeout.
    """

    def __init__(
        self, ports: tuple[int, ...], min_interval: float = 10.0, proc: str = PROC
    ) -> None:
        self.ports = ports
        self.min_interval = min_interval
        self.proc = proc
        self._last: tuple[float, Reading] | None = None

    def sample(self) -> Reading:
        now = time.monotonic()
        if self._last and now - self._last[0] < self.min_interval:
            return self._last[1]
        r = sample_ssh(self.ports, self.proc)
        self._last = (now, r)
        return r
