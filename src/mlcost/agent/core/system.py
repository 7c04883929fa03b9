"""CPU, terminal and SSH/remote-IDE signals read from /proc (Linux only, no dependencies).

CPU is measured as the machine's busy time between two samples minus the agent's own
CPU time (/proc/self/stat), expressed both as percent of the whole machine (what the
CloudWatch metric carries, like EC2's CPUUtilization) and as percent of one core summed
over cores (what the idle threshold compares): a single-threaded job on a 96-vCPU box is
1% of the machine but 100% of one core, and must keep the box alive.
"""

from __future__ import annotations

import os
import re
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
            return Reading("cpu", None, "no CPU baseline yet")
        d_total = total - prev[1]
        d_busy = max(0, (busy - prev[0]) - (mine - prev[2]))
        machine_pct = 100.0 * d_busy / d_total
        core_pct = machine_pct * ncpu
        busy_now = core_pct >= self.threshold
        return Reading(
            "cpu",
            busy_now,
            f"{core_pct:.1f}% of one core ({machine_pct:.1f}% of {ncpu} vCPU), "
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


def _tty_and_jiffies(path: str) -> tuple[int, int]:
    """(controlling tty number, utime + stime) from a /proc/<pid>/stat file."""
    with open(path) as fh:
        raw = fh.read()
    rest = raw[raw.rindex(")") + 2 :].split()
    # after "(comm)": state=0 ppid=1 pgrp=2 session=3 tty_nr=4 ... utime=11 stime=12
    return int(rest[4]), int(rest[11]) + int(rest[12])


_GPU_DEVICE = re.compile(r"/dev/nvidia\d")


class TerminalSampler:
    """Work running in a terminal (Jupyter terminals, SSH sessions, tmux panes).

    A training script started in a terminal may print nothing for hours: the terminal's
    ``last_activity`` goes stale while the work goes on. So every process with a
    controlling terminal is watched: busy while together they use at least ``threshold``
    % of one core between scans, or while any of them holds a GPU device open
    (/dev/nvidiaN, what CUDA does). A shell waiting at a prompt, ``sleep``, or a command
    blocked on the network below the threshold and without a GPU still counts as idle.
    Reading every /proc/<pid> costs milliseconds, so the scan runs at most every
    ``min_interval`` seconds.
    """

    def __init__(
        self,
        threshold_core_pct: float = 5.0,
        min_interval: float = 10.0,
        proc: str = PROC,
        clock=time.monotonic,  # noqa: ANN001 - injectable for tests
    ) -> None:
        self.threshold = threshold_core_pct
        self.min_interval = min_interval
        self.proc = proc
        self.clock = clock
        self.tick = os.sysconf("SC_CLK_TCK")
        self._prev: dict[int, int] | None = None
        self._at = 0.0
        self._last: Reading | None = None
        self.sample()  # the baseline the first CPU figure is measured against

    def _scan(self) -> dict[int, int]:
        """CPU jiffies of every process with a controlling terminal, the agent excluded."""
        out = {}
        for name in os.listdir(self.proc):
            if not name.isdigit() or int(name) == os.getpid():
                continue
            try:
                tty, jiffies = _tty_and_jiffies(os.path.join(self.proc, name, "stat"))
            except (OSError, ValueError, IndexError):  # the process exited meanwhile
                continue
            if tty:
                out[int(name)] = jiffies
        return out

    def _holds_gpu(self, pid: int) -> bool:
        fd_dir = os.path.join(self.proc, str(pid), "fd")
        try:
            return any(
                _GPU_DEVICE.match(os.readlink(os.path.join(fd_dir, fd)))
                for fd in os.listdir(fd_dir)
            )
        except OSError:
            return False

    def sample(self) -> Reading:
        now = self.clock()
        if self._last and now - self._at < self.min_interval:
            return self._last
        try:
            cur = self._scan()
        except OSError as err:
            return Reading("terminal", None, f"cannot list {self.proc}: {err}")
        gpu = sum(1 for pid in cur if self._holds_gpu(pid))
        pct = None
        if self._prev is not None and now > self._at:
            used = sum(max(0, j - self._prev.get(pid, 0)) for pid, j in cur.items())
            pct = 100.0 * used / self.tick / (now - self._at)
        self._prev, self._at = cur, now
        busy = gpu > 0 or (pct or 0.0) >= self.threshold
        cpu = "CPU not measured yet" if pct is None else f"{pct:.1f}% of one core"
        self._last = Reading(
            "terminal",
            busy,
            f"{len(cur)} process(es) with a terminal: {cpu}, threshold {self.threshold:g}%; "
            f"{gpu} holding a GPU",
        )
        return self._last
