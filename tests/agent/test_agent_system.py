"""CPU and SSH signals from a fake /proc with hand-computed expectations, plus real /proc."""

from __future__ import annotations

import os
from pathlib import Path

from mlcost.agent.core import system

STAT = "cpu  {u} 0 {s} {i} {w} 0 {si} 0 0 0\ncpu0 1 0 0 0 0 0 0 0 0 0\ncpu1 1 0 0 0 0 0 0 0 0 0\ncpu2 1 0 0 0 0 0 0 0 0 0\ncpu3 1 0 0 0 0 0 0 0 0 0\nintr 1\n"
SELF = "4242 (python3 (agent)) S 1 4242 4242 0 -1 4194560 100 0 0 0 {ut} {st} 0 0 20 0 1 0\n"


def _proc(root: Path, u: int, s: int, i: int, w: int, si: int, ut: int, st: int) -> None:
    (root / "self").mkdir(parents=True, exist_ok=True)
    (root / "stat").write_text(STAT.format(u=u, s=s, i=i, w=w, si=si))
    (root / "self" / "stat").write_text(SELF.format(ut=ut, st=st))


def test_cpu_excludes_the_agent_and_counts_cores(tmp_path: Path) -> None:
    _proc(tmp_path, u=1000, s=500, i=8000, w=500, si=0, ut=10, st=5)
    sampler = system.CpuSampler(threshold_core_pct=25, proc=str(tmp_path))
    _proc(tmp_path, u=1600, s=700, i=8600, w=600, si=100, ut=110, st=25)
    r = sampler.sample()
    # total 10000 -> 11600 (+1600); busy 1500 -> 2400 (+900); agent +120 ticks
    # machine = (900 - 120) / 1600 = 48.75 %; 4 CPUs -> 195 % of one core
    assert r.values["cpu_machine_pct"] == 48.75
    assert r.values["cpu_core_pct"] == 195.0
    assert r.busy is True


def test_one_busy_core_on_a_big_box_is_busy(tmp_path: Path) -> None:
    _proc(tmp_path, u=0, s=0, i=0, w=0, si=0, ut=0, st=0)
    sampler = system.CpuSampler(threshold_core_pct=25, proc=str(tmp_path))
    _proc(tmp_path, u=100, s=0, i=300, w=0, si=0, ut=0, st=0)  # 4 CPUs, one fully busy
    r = sampler.sample()
    assert r.values["cpu_machine_pct"] == 25.0 and r.values["cpu_core_pct"] == 100.0 and r.busy


def test_agent_alone_is_idle(tmp_path: Path) -> None:
    _proc(tmp_path, u=0, s=0, i=0, w=0, si=0, ut=0, st=0)
    sampler = system.CpuSampler(threshold_core_pct=25, proc=str(tmp_path))
    _proc(tmp_path, u=30, s=10, i=360, w=0, si=0, ut=30, st=10)  # all the busy time is the agent's
    r = sampler.sample()
    assert r.values["cpu_core_pct"] == 0.0 and r.busy is False


def test_unreadable_proc_is_unreadable(tmp_path: Path) -> None:
    r = system.CpuSampler(25, proc=str(tmp_path / "none")).sample()
    assert r.busy is None and "cannot read" in r.detail


def test_real_proc_reads() -> None:
    sampler = system.CpuSampler(25)
    sum(i * i for i in range(200_000))
    r = sampler.sample()
    if r.busy is None:  # the jiffy counter did not move between the two reads
        assert "baseline" in r.detail
    else:
        assert 0.0 <= r.values["cpu_machine_pct"] <= 100.0
        assert r.values["cpu_core_pct"] <= 100.0 * os.cpu_count()


TCP = """  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 0A00020F:0016 0A000105:D4C2 01 00000000:00000000 02:000A7B5F 00000000     0        0 2 4 0 20 4 30 10 -1
   2: 0100007F:22B8 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 3 1 0 20 4 30 10 -1
   3: 0A00020F:0016 0A000106:C001 06 00000000:00000000 03:00000A8B 00000000     0        0 0 3 0 0 0 0 0 0
"""
TCP6 = """  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0000000000000000FFFF00000F02000A:0016 0000000000000000FFFF00000701000A:E01A 01 00000000:00000000 02:00000DB3 00000000     0        0 4 4 0 20 4 30 10 -1
"""


def test_ssh_counts_established_connections_to_watched_ports(tmp_path: Path) -> None:
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "tcp").write_text(TCP)
    (tmp_path / "net" / "tcp6").write_text(TCP6)
    # port 22: one established IPv4 (line 1), one IPv6; listen (0A) and TIME_WAIT (06) excluded
    assert system.count_established((22,), str(tmp_path)) == 2
    assert system.count_established((8888,), str(tmp_path)) == 1  # 0x22B8
    r = system.sample_ssh((22,), str(tmp_path))
    assert r.busy is True and r.values["ssh"] == 2.0
    assert system.sample_ssh((2222,), str(tmp_path)).busy is False
    assert system.sample_ssh((22,), str(tmp_path / "none")).busy is None


def test_ssh_sampler_rereads_only_after_its_interval(tmp_path: Path) -> None:
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "tcp").write_text(TCP)
    s = system.SshSampler((22,), min_interval=3600, proc=str(tmp_path))
    assert s.sample().values["ssh"] == 1.0
    (tmp_path / "net" / "tcp").write_text(TCP.splitlines()[0] + "\n")
    assert s.sample().values["ssh"] == 1.0  # cached
    s.min_interval = 0
    assert s.sample().values["ssh"] == 0.0


def _pid(root: Path, pid: int, tty: int, jiffies: int, fds: tuple[str, ...] = ()) -> None:
    """A /proc/<pid> with stat (tty_nr, utime) and fd links to ``fds``."""
    d = root / str(pid)
    (d / "fd").mkdir(parents=True, exist_ok=True)
    (d / "stat").write_text(
        f"{pid} (python3 train.py) S 1 {pid} {pid} {tty} -1 4194560 0 0 0 0 {jiffies} 0 0 0\n"
    )
    for i, target in enumerate(fds):
        link = d / "fd" / str(i)
        if not link.is_symlink():
            link.symlink_to(target)


class _Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_silent_command_in_a_terminal_is_busy_while_it_uses_cpu(tmp_path: Path) -> None:
    clock = _Clock()
    _pid(tmp_path, 100, tty=34816, jiffies=50)  # a shell on /dev/pts/0
    _pid(tmp_path, 101, tty=34816, jiffies=1000)  # the training script
    _pid(tmp_path, 200, tty=0, jiffies=1000)  # a daemon: no terminal
    s = system.TerminalSampler(
        threshold_core_pct=5, min_interval=10, proc=str(tmp_path), clock=clock
    )
    clock.t += 10
    _pid(tmp_path, 101, tty=34816, jiffies=1800)  # +800 ticks in 10 s = 80% of one core
    _pid(tmp_path, 200, tty=0, jiffies=5000)
    r = s.sample()
    assert r.busy is True and "80.0% of one core" in r.detail and "2 process(es)" in r.detail
    clock.t += 5
    assert s.sample() is r  # re-scanned at most every 10 s
    clock.t += 5
    _pid(tmp_path, 101, tty=34816, jiffies=1810)  # blocked on I/O: 1% of one core
    r = s.sample()
    assert r.busy is False and "1.0% of one core" in r.detail


def test_terminal_process_holding_a_gpu_is_busy(tmp_path: Path) -> None:
    clock = _Clock()
    _pid(tmp_path, 100, tty=34816, jiffies=0, fds=("/dev/pts/0", "/dev/nvidiactl", "/dev/nvidia0"))
    _pid(tmp_path, 300, tty=0, jiffies=0, fds=("/dev/nvidia1",))  # a kernel: no terminal
    s = system.TerminalSampler(proc=str(tmp_path), clock=clock)
    clock.t += 10
    r = s.sample()
    assert r.busy is True and "1 holding a GPU" in r.detail


def test_shell_at_a_prompt_is_idle(tmp_path: Path) -> None:
    clock = _Clock()
    _pid(tmp_path, 100, tty=34816, jiffies=40, fds=("/dev/pts/0", "/dev/nvidiactl"))
    s = system.TerminalSampler(proc=str(tmp_path), clock=clock)
    clock.t += 10
    r = s.sample()
    assert r.busy is False and "0.0% of one core" in r.detail and "0 holding a GPU" in r.detail


def test_real_pty_busy_loop_is_seen() -> None:
    """A command with a controlling terminal (what a Jupyter terminal gives) spinning on CPU."""
    import pty
    import signal
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: a silent busy loop in a terminal
        os.execvp("python3", ["python3", "-c", "while True: pass"])
    try:
        s = system.TerminalSampler(min_interval=0)
        time.sleep(1.0)
        r = s.sample()
        assert r.busy is True, r.detail
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
