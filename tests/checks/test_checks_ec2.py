"""idle-ec2-gpu.

Price (by hand): g5.xlarge Linux on-demand us-east-1 $1.006/h (Vantage 2025-11-30 and the
2025-06-13 price-watcher feed agree). Monthly: 1.006 x 730 = $734.38.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from checks_helpers import NOW, ec2_cpu, ec2_gpu, inventory, make_ec2, series

from mlcost.model import SeriesStatus
from mlcost.scan import run_checks


def test_idle_gpu_box_flagged_with_on_demand_price(run_one):
    i = make_ec2()
    inv = inventory([i], {i.key: [ec2_cpu(i.id, 2.0), ec2_gpu(i.id, 0.0)]})
    [f] = run_one("idle-ec2-gpu", i, inv)
    assert f.monthly_cost_usd == Decimal("734.38")
    assert f.monthly_savings_usd == Decimal("734.38")
    assert f.fix.action == "stop-instances"
    assert f.fix.params == {"InstanceIds": ["i-0abc1234def567890"]}
    assert f.evidence["lifecycle"] == "on-demand"
    assert f.evidence["gpu_max_pct"] == 0.0
    assert f.evidence["price"]["usd_per_hour"] == "1.006"
    assert f.confidence >= 0.9


def test_gpu_busy_at_night_is_not_idle(run_one):
    i = make_ec2()
    night = ec2_gpu(i.id, lambda t: 85.0 if t.hour in (1, 2, 3) else 0.0)
    inv = inventory([i], {i.key: [ec2_cpu(i.id, 1.0), night]})
    assert run_one("idle-ec2-gpu", i, inv) == []


def test_second_gpu_busy_is_not_idle(run_one):
    i = make_ec2("i-0multi", "g5.12xlarge")
    inv = inventory(
        [i], {i.key: [ec2_cpu(i.id, 1.0), ec2_gpu(i.id, 0.0, "0"), ec2_gpu(i.id, 60.0, "3")]}
    )
    assert run_one("idle-ec2-gpu", i, inv) == []


def test_mlcost_agent_gpu_metric_counts_too(run_one):
    i = make_ec2()
    agent = series(
        "AgentGPUUtilization", "MLCost/Agent", {"InstanceId": i.id}, 40.0, metric="GPUUtilization"
    )
    inv = inventory([i], {i.key: [ec2_cpu(i.id, 1.0), agent]})
    assert run_one("idle-ec2-gpu", i, inv) == []


def test_cpu_only_flat_zero_flagged_with_low_confidence(run_one):
    i = make_ec2()
    inv = inventory([i], {i.key: [ec2_cpu(i.id, 0.3)]})
    [f] = run_one("idle-ec2-gpu", i, inv)
    assert f.evidence["gpu_metrics"] == "no GPU metric"
    assert f.confidence <= 0.3
    assert f.monthly_savings_usd == Decimal("734.38")
    # it says what was measured, and never proposes a stop without a GPU signal
    assert "CPU idle" in f.title and "GPU not measured" in f.title
    assert f.fix.action == "measure-accelerator"
    assert "CloudWatch agent" in f.evidence["first_step"]


def test_one_busy_core_on_a_192_vcpu_box_is_not_idle(run_one):
    """CPUUtilization is per instance: one saturated core of 192 vCPUs reads 0.52 %.
    (Found on a held-out organisation: a p5.48xlarge running a single-threaded job was
    called idle with a $40k/month stop.)"""
    i = make_ec2("i-0p5", "p5.48xlarge")
    one_core = 100 / 192  # percent
    no_gpu_metric = inventory([i], {i.key: [ec2_cpu(i.id, one_core)]})
    assert run_one("idle-ec2-gpu", i, no_gpu_metric) == []
    with_idle_gpu = inventory([i], {i.key: [ec2_cpu(i.id, one_core), ec2_gpu(i.id, 0.0)]})
    assert run_one("idle-ec2-gpu", i, with_idle_gpu) == []


def test_a_192_vcpu_box_with_a_flat_cpu_and_no_gpu_metric_is_only_unmeasured(run_one):
    i = make_ec2("i-0p5", "p5.48xlarge")
    inv = inventory([i], {i.key: [ec2_cpu(i.id, 0.1)]})  # 0.19 vCPU busy
    [f] = run_one("idle-ec2-gpu", i, inv)
    assert f.fix.action != "stop-instances"
    assert f.confidence <= 0.3
    assert f.evidence["cpu_max_busy_vcpus_over_lookback"] == 0.192  # 0.1 % x 192 / 100


def test_trainium_is_never_judged_from_gpu_metrics(run_one):
    i = make_ec2("i-0trn", "trn1.32xlarge")
    inv = inventory([i], {i.key: [ec2_cpu(i.id, 0.1), ec2_gpu(i.id, 0.0)]})
    [f] = run_one("idle-ec2-gpu", i, inv)
    assert "accelerator not measured" in f.title
    assert f.fix.action == "measure-accelerator"
    assert f.confidence <= 0.3


def test_cpu_only_low_but_not_zero_is_not_claimed(run_one):
    # 3 % CPU could be a data loader feeding a busy GPU: without a GPU metric we cannot tell
    i = make_ec2()
    inv = inventory([i], {i.key: [ec2_cpu(i.id, 3.0)]})
    assert run_one("idle-ec2-gpu", i, inv) == []


def test_error_gpu_series_blocks_the_verdict(run_one):
    i = make_ec2()
    inv = inventory(
        [i], {i.key: [ec2_cpu(i.id, 0.1), ec2_gpu(i.id, 0.0, status=SeriesStatus.ERROR)]}
    )
    assert run_one("idle-ec2-gpu", i, inv) == []


def test_error_cpu_series_blocks_the_verdict(run_one):
    i = make_ec2()
    inv = inventory(
        [i], {i.key: [ec2_cpu(i.id, 0.0, status=SeriesStatus.ERROR), ec2_gpu(i.id, 0.0)]}
    )
    assert run_one("idle-ec2-gpu", i, inv) == []


def test_cpu_busy_is_not_idle(run_one):
    i = make_ec2()
    inv = inventory([i], {i.key: [ec2_cpu(i.id, 40.0), ec2_gpu(i.id, 0.0)]})
    assert run_one("idle-ec2-gpu", i, inv) == []


def test_recently_launched_is_not_judged(run_one):
    i = make_ec2(launched=NOW - timedelta(hours=5))
    inv = inventory([i], {i.key: [ec2_cpu(i.id, 0.0), ec2_gpu(i.id, 0.0)]})
    assert run_one("idle-ec2-gpu", i, inv) == []


def test_non_gpu_instance_is_not_this_check(run_one):
    i = make_ec2(instance_type="m5.xlarge")
    inv = inventory([i], {i.key: [ec2_cpu(i.id, 0.0)]})
    assert run_one("idle-ec2-gpu", i, inv) == []


def test_spot_instance_cost_is_unpriced():
    i = make_ec2(lifecycle="spot")
    inv = inventory([i], {i.key: [ec2_cpu(i.id, 0.5), ec2_gpu(i.id, 0.0)]})
    result = run_checks(inv, only=["idle-ec2-gpu"], now=NOW)
    [f] = result.findings
    assert f.monthly_cost_usd is None and f.monthly_savings_usd is None
    assert f.evidence["lifecycle"] == "spot"
    assert any(w.startswith("unpriced: g5.xlarge in us-east-1") for w in result.warnings)


def test_opt_out_tag_is_honoured():
    i = make_ec2(tags={"mlcost:skip": "true"})
    inv = inventory([i], {i.key: [ec2_cpu(i.id, 0.5), ec2_gpu(i.id, 0.0)]})
    assert run_checks(inv, now=NOW).findings == []


def test_weekday_dev_box_is_not_forgotten_on_monday_morning(run_one):
    # GPU used 09:00-17:00 on weekdays; scanned Monday 09:00 after 64 quiet weekend hours
    from datetime import UTC, datetime

    from checks_helpers import inventory as make_inventory

    monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    i = make_ec2(launched=monday - timedelta(days=90))
    week = {"start": monday - timedelta(days=7), "end": monday}

    def weekdays(t):
        return 70.0 if t.weekday() < 5 and 9 <= t.hour < 17 else 0.0

    inv = make_inventory(
        [i], {i.key: [ec2_cpu(i.id, weekdays, **week), ec2_gpu(i.id, weekdays, **week)]}, end=monday
    )
    assert run_one("idle-ec2-gpu", i, inv) == []


def test_windows_instance_is_unpriced_with_the_reason():
    # Our g5.xlarge price ($1.006/h) is Linux; a Windows box costs more: never claim $734.38.
    i = make_ec2(platform="Windows")
    inv = inventory([i], {i.key: [ec2_cpu(i.id, 0.5), ec2_gpu(i.id, 0.0)]})
    result = run_checks(inv, only=["idle-ec2-gpu"], now=NOW)
    [f] = result.findings
    assert f.monthly_cost_usd is None and f.monthly_savings_usd is None
    assert "Windows" in f.evidence["unpriced"]
    assert f.evidence["platform"] == "Windows"
    assert any(w.startswith("unpriced: g5.xlarge in us-east-1 (ec2)") for w in result.warnings)


def test_auto_scaling_group_member_gets_a_scale_down_fix(run_one):
    i = make_ec2(tags={"aws:autoscaling:groupName": "gpu-workers"})
    inv = inventory([i], {i.key: [ec2_cpu(i.id, 2.0), ec2_gpu(i.id, 0.0)]})
    [f] = run_one("idle-ec2-gpu", i, inv)
    assert f.fix.action == "scale-down-auto-scaling-group"
    assert f.fix.params["AutoScalingGroupName"] == "gpu-workers"
    assert f.risk == "review"
    assert "replaced" in f.evidence["replacement"]
    assert f.monthly_savings_usd == Decimal("734.38")  # 1.006 x 730


def test_eks_nodegroup_member_gets_a_nodegroup_fix(run_one):
    i = make_ec2(
        tags={
            "eks:nodegroup-name": "gpu-ng",
            "eks:cluster-name": "ml",
            "aws:autoscaling:groupName": "eks-gpu-ng-1234",
        }
    )
    inv = inventory([i], {i.key: [ec2_cpu(i.id, 2.0), ec2_gpu(i.id, 0.0)]})
    [f] = run_one("idle-ec2-gpu", i, inv)
    assert f.fix.action == "scale-down-nodegroup"
    assert f.fix.params["nodegroupName"] == "gpu-ng"
    assert f.fix.params["clusterName"] == "ml"
    assert "replaced" in f.evidence["replacement"]
