"""underused-ec2-gpu.

Prices (by hand), us-east-1 EC2 on-demand Linux (2025-06-13 feed): g5.12xlarge $5.672/h,
g5.16xlarge $4.096/h. Month = 730 h. Window: the 7-day lookback (168 h).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from checks_helpers import NOW, ec2_cpu, ec2_gpu, inventory, make_ec2, series

from mlcost.errors import UserError
from mlcost.model import SeriesStatus


def cw(label: str, metric: str, iid: str, value, index: str):
    return series(label, "CWAgent", {"InstanceId": iid, "index": index}, value, metric=metric)


def box(gpu_pct=None, *, itype="g5.12xlarge", gpus=4, mem_mib=3000.0, power_w=None, cpu=10.0):
    ec2 = make_ec2("i-0aaaabbbbcccc0001", itype)
    m = [ec2_cpu(ec2.id, cpu)]
    for i in range(gpus):
        if gpu_pct is not None:
            m.append(ec2_gpu(ec2.id, gpu_pct, index=str(i)))
        if mem_mib is not None:
            m.append(cw("GPUMemoryUsed", "nvidia_smi_memory_used", ec2.id, mem_mib, str(i)))
        if power_w is not None:
            m.append(cw("GPUPowerDraw", "nvidia_smi_power_draw", ec2.id, power_w, str(i)))
            m.append(cw("GPUTemperature", "nvidia_smi_temperature_gpu", ec2.id, 41.0, str(i)))
    return ec2, inventory([ec2], {ec2.key: m})


def test_lightly_used_multi_gpu_box_gets_a_smaller_type(run_one):
    # 4 x A10G at 10 % -> 0.4 busy GPUs; GPU memory 4 x 3000 MiB = 11.72 GiB; CPU 10 % of
    # 48 vCPUs = 4.8. Host memory is not measured, so the 192 GiB stay: with headroom 1.25
    # the cheapest A10G type with >= 0.5 GPU, >= 14.6 GiB GPU memory, >= 6 vCPUs and
    # >= 192 GiB is g5.16xlarge (1 GPU, 64 vCPUs, 256 GiB, $4.096/h)
    ec2, inv = box(10.0)
    [f] = run_one("underused-ec2-gpu", ec2, inv)
    assert f.evidence["proposed_instance_type"] == "g5.16xlarge"
    assert f.monthly_cost_usd == Decimal("4140.56")  # 5.672 x 730
    assert f.monthly_savings_usd == Decimal("1150.48")  # (5.672 - 4.096) x 730
    assert f.evidence["gpu_memory_peak_gib"] == 11.72  # 12000 MiB / 1024
    assert f.evidence["busy_gpus_p95"] == 0.4
    assert f.fix.action == "change-instance-type"
    assert f.fix.params == {"InstanceId": ec2.id, "InstanceType": "g5.16xlarge"}
    assert f.risk.value == "disruptive"


def test_idle_gpu_is_left_to_idle_ec2_gpu(run_one):
    ec2, inv = box(2.0, cpu=1.0)
    assert run_one("underused-ec2-gpu", ec2, inv) == []
    assert run_one("idle-ec2-gpu", ec2, inv)  # the idle check does flag it


def test_busy_gpus_are_not_underused(run_one):
    ec2, inv = box(65.0)
    assert run_one("underused-ec2-gpu", ec2, inv) == []


def test_single_gpu_box_with_nothing_smaller_of_its_model_is_not_flagged(run_one):
    # g5.2xlarge at 15 %: the only cheaper A10G type (g5.xlarge) has 16 GiB of the 32 kept
    ec2, inv = box(15.0, itype="g5.2xlarge", gpus=1)
    assert run_one("underused-ec2-gpu", ec2, inv) == []


def test_failed_gpu_read_is_no_verdict(run_one):
    ec2 = make_ec2("i-0aaaabbbbcccc0001", "g5.12xlarge")
    m = [ec2_cpu(ec2.id, 10.0), ec2_gpu(ec2.id, 10.0, status=SeriesStatus.ERROR)]
    assert run_one("underused-ec2-gpu", ec2, inventory([ec2], {ec2.key: m})) == []


def test_spot_box_is_not_judged(run_one):
    ec2, inv = box(10.0)
    ec2.lifecycle = "spot"
    assert run_one("underused-ec2-gpu", ec2, inv) == []


def test_utilisation_estimated_from_power_draw_with_a_rated_power(run_one):
    # no utilisation metric; 45 W of a 300 W rated A10G = 15 % per GPU (estimate)
    ec2, inv = box(None, power_w=45.0)
    rated = {"NVIDIA A10G": 300}
    [f] = run_one("underused-ec2-gpu", ec2, inv, gpu_rated_power_watts=rated)
    assert f.evidence["gpu_utilization_source"].startswith("ESTIMATED")
    assert f.evidence["gpu_rated_power_w"] == 300.0
    assert f.evidence["gpu_temperature_max_c"] == 41.0
    assert f.evidence["busy_gpus_p95"] == 0.6  # 4 x 0.15
    assert f.confidence == 0.4
    assert f.monthly_savings_usd == Decimal("1150.48")


def test_power_draw_without_a_rated_power_is_not_estimated(run_one):
    ec2, inv = box(None, power_w=45.0)
    assert run_one("underused-ec2-gpu", ec2, inv) == []


def test_power_only_box_with_idle_cpu_is_left_to_idle_ec2_gpu(run_one):
    ec2, inv = box(None, power_w=45.0, cpu=0.5)
    assert run_one("underused-ec2-gpu", ec2, inv, gpu_rated_power_watts={"NVIDIA A10G": 300}) == []


def test_bad_rated_power_setting_is_a_user_error(run_one):
    ec2, inv = box(None, power_w=45.0)
    with pytest.raises(UserError, match="gpu_rated_power_watts"):
        run_one("underused-ec2-gpu", ec2, inv, gpu_rated_power_watts={"NVIDIA A10G": -1})


def test_recently_launched_box_is_not_judged(run_one):
    ec2, inv = box(10.0)
    ec2.launch_time = NOW.replace(day=NOW.day - 1)
    assert run_one("underused-ec2-gpu", ec2, inv) == []
