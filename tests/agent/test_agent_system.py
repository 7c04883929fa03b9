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
