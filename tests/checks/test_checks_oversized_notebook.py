"""oversized-notebook: GPU or large notebooks whose agent shows low use, dollars by hand.

Prices (us-east-1, notebook usage: labelled substitutions of the Studio-Notebook list,
2025-06-16): ml.g4dn.xlarge $0.7364/h, ml.r5.large $0.151/h, ml.m5.4xlarge $0.922/h,
ml.r5.2xlarge $0.605/h. A month is 730 h; the window is the helpers' week (168 hours).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from checks_helpers import inventory, make_notebook, series

from mlcost.model import SeriesStatus

CHECK = "oversized-notebook"


def agent(nb: str, metric: str, value, **kw):
    return series(
        f"Agent{metric}", "MLCost/Agent", {"NotebookInstanceName": nb}, value, metric=metric, **kw
    )


def _nb(name, itype, cpu, gpu=None, **kw):
    nb = make_notebook(name, itype)
    metrics = [agent(name, "CPUUtilization", cpu, **kw)]
    if gpu is not None:
        metrics.append(agent(name, "GPUUtilization", gpu))
    return nb, inventory([nb], {nb.key: metrics})


def test_gpu_notebook_that_never_used_its_gpu_moves_to_a_cpu_type(run_one):
    # CPU peaks at 30 % of 4 vCPUs = 1.2 vCPUs; x 1.25 headroom = 1.5 -> 2 vCPUs suffice;
    # memory not measured: keep 16 GiB; GPU maximum 0 % -> a CPU type may do:
    # the cheapest non-burstable 16 GiB type with >= 2 vCPUs is ml.r5.large ($0.151/h)
    nb, inv = _nb("dana-gpu-nb", "ml.g4dn.xlarge", lambda t: 30.0 if t.hour == 14 else 5.0, 0.0)
    [f] = run_one(CHECK, nb, inv)
    assert f.evidence["proposed"]["instance_type"] == "ml.r5.large"
    assert f.fix.params == {"NotebookInstanceName": "dana-gpu-nb", "InstanceType": "ml.r5.large"}
    # current 0.7364 x 730 = 537.572 -> 537.57; saving (0.7364 - 0.151) x 730 = 427.342
    assert f.monthly_cost_usd == Decimal("537.57")
    assert f.monthly_savings_usd == Decimal("427.34")
    assert f.evidence["current"]["price"]["basis"] == "substitution"
    assert any("memory" in s for s in f.evidence["signals_not_checked"])


def test_large_cpu_notebook_keeps_its_memory(run_one):
    # 16 vCPUs peaking at 10 % = 1.6 vCPUs x 1.25 = 2; 64 GiB kept -> ml.r5.2xlarge ($0.605/h)
    nb, inv = _nb("erin-big-nb", "ml.m5.4xlarge", 10.0)
    [f] = run_one(CHECK, nb, inv)
    assert f.evidence["proposed"]["instance_type"] == "ml.r5.2xlarge"
    assert f.evidence["proposed"]["memory_gib"] == "64"
    # (0.922 - 0.605) x 730 = 231.41
    assert f.monthly_savings_usd == Decimal("231.41")


@pytest.mark.parametrize(
    ("name", "itype", "cpu", "gpu"),
    [
        ("busy-gpu-nb", "ml.g4dn.xlarge", 10.0, 60.0),  # the GPU works
        ("busy-cpu-nb", "ml.m5.4xlarge", 70.0, None),  # the CPUs work
        ("small-nb", "ml.m5.xlarge", 5.0, None),  # 4 vCPUs, no GPU: not "large"
        ("gpu-blind-nb", "ml.g4dn.xlarge", 5.0, None),  # GPU type without a GPU signal
    ],
)
def test_lookalikes_not_flagged(run_one, name, itype, cpu, gpu):
    nb, inv = _nb(name, itype, cpu, gpu)
    assert run_one(CHECK, nb, inv) == []


def test_gpu_that_ran_keeps_its_gpu(run_one):
    # the GPU peaked at 8 % (p95 under 10 %): a GPU that ran keeps its model and memory, and
    # g4dn.xlarge is the smallest T4 type: nothing smaller to propose
    nb, inv = _nb("light-gpu-nb", "ml.g4dn.xlarge", 5.0, lambda t: 8.0 if t.hour == 10 else 0.0)
    assert run_one(CHECK, nb, inv) == []


def test_too_few_hours_or_unreadable_agent(run_one):
    nb, inv = _nb("new-nb", "ml.m5.4xlarge", lambda t: 5.0 if t.day >= 19 else None)
    assert run_one(CHECK, nb, inv) == []  # about 36 hours, under 72
    nb, inv = _nb("err-nb", "ml.m5.4xlarge", 5.0, status=SeriesStatus.ERROR)
    assert run_one(CHECK, nb, inv) == []


def test_stopped_notebook_not_judged(run_one):
    nb, inv = _nb("stopped-nb", "ml.m5.4xlarge", 5.0)
    nb.status = "Stopped"
    assert run_one(CHECK, nb, inv) == []


def test_unpriced_current_type_is_reported_without_dollars(run_one):
    # ml.g6.xlarge has specs (4 vCPUs, 16 GiB, 1 L4) but no notebook price in the catalogue
    nb, inv = _nb("gina-g6-nb", "ml.g6.xlarge", 20.0, 0.0)
    [f] = run_one(CHECK, nb, inv)
    assert f.monthly_cost_usd is None and f.monthly_savings_usd is None
    assert f.evidence["unpriced_instance_type"] == "ml.g6.xlarge"
    assert f.evidence["proposed"]["instance_type"] == "ml.r5.large"  # 2 vCPUs, 16 GiB: smaller
    assert f.confidence == 0.3
