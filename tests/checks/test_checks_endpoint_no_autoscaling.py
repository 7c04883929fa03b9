"""endpoint-no-autoscaling: a fixed count under variable traffic, replayed on a
target-tracking policy, dollars by hand.

Prices (us-east-1): ml.m5.xlarge real-time hosting $0.23/h (FMBench list, 2025-01-26);
asynchronous inference $0.23/h (labelled substitution of hosting). The window is the
helpers' week, 168 hours; a month is 730 h.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from checks_helpers import backlog_series, endpoint_series, inventory, make_endpoint

from mlcost.model import EndpointVariant

CHECK = "endpoint-no-autoscaling"


def office(busy: float, quiet: float | None):
    """``busy`` requests an hour 09:00-17:59 UTC on weekdays, ``quiet`` otherwise."""
    return lambda t: busy if t.weekday() < 5 and 9 <= t.hour <= 17 else quiet


def _ep(name, traffic, *, count=4, autoscaling=None, is_async=False):
    scaling = {} if autoscaling is None else autoscaling
    variant = EndpointVariant("AllTraffic", "ml.m5.xlarge", count, autoscaling=scaling)
    ep = make_endpoint(name, [variant], is_async=is_async)
    label = "InvocationsProcessed" if is_async else "Invocations"
    metrics = [endpoint_series(name, "AllTraffic", label, traffic)]
    if is_async:
        metrics.append(backlog_series(name, 0))
    return ep, inventory([ep], {ep.key: metrics})


def test_diurnal_real_time_on_four_instances(run_one):
    ep, inv = _ep("checkout-ep", office(400.0, 40.0))
    [f] = run_one(CHECK, ep, inv)
    [v] = f.evidence["variants"]
    # capacity 400 / 4 = 100 an instance-hour; at 70 %: 70. Office hours need ceil(400/70)
    # = 6, capped at 4; quiet hours ceil(40/70) = 1, raised to the minimum of 2.
    # 45 office hours + 5 lag hours (18:00 after each weekday burst but the last) at 4,
    # the other 118 hours at 2: 50 x 4 + 118 x 2 = 436 instance-hours against 4 x 168 = 672
    assert v["capacity_per_instance_hour"] == 100.0
    assert v["replay"]["instances_by_count"] == {"4": 50, "2": 118}
    assert (v["fixed_instance_hours"], v["replayed_instance_hours"]) == (672, 436)
    # fixed 4 x 0.23 x 730 = 671.60; replayed 436 x 0.23 x 730 / 168 = 435.740476
    assert v["fixed_monthly_cost_usd"] == "671.60"
    assert v["replayed_monthly_cost_usd"] == "435.74"
    assert f.monthly_cost_usd == Decimal("671.60")
    assert f.monthly_savings_usd == Decimal("235.86")  # 671.60 - 435.740476 = 235.859524
    [target] = f.fix.params["targets"]
    assert target["ResourceId"] == "endpoint/checkout-ep/variant/AllTraffic"
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 4)
    policy = target["TargetTrackingScalingPolicyConfiguration"]
    # 70 requests an instance-hour = 1.17 a minute (SageMakerVariantInvocationsPerInstance)
    assert policy["TargetValue"] == 1.17
    assert policy["PredefinedMetricSpecification"]["PredefinedMetricType"] == (
        "SageMakerVariantInvocationsPerInstance"
    )


def test_async_scales_to_zero_on_backlog_per_instance(run_one):
    ep, inv = _ep("docs-async", office(100.0, None), count=2, is_async=True)
    [f] = run_one(CHECK, ep, inv)
    [v] = f.evidence["variants"]
    # capacity 100 / 2 = 50; at 70 %: 35 -> ceil(100/35) = 3, capped at 2; idle hours 0.
    # (45 + 5 lag) x 2 = 100 instance-hours against 2 x 168 = 336
    assert (v["fixed_instance_hours"], v["replayed_instance_hours"]) == (336, 100)
    # fixed 2 x 0.23 x 730 = 335.80; replayed 100 x 0.23 x 730 / 168 = 99.940476
    assert f.monthly_savings_usd == Decimal("235.86")  # 335.80 - 99.940476 = 235.859524
    assert v["price"]["usage"] == "async-inference" and v["price"]["basis"] == "substitution"
    [target] = f.fix.params["targets"]
    assert target["MinCapacity"] == 0
    metric = target["TargetTrackingScalingPolicyConfiguration"]["CustomizedMetricSpecification"]
    assert metric["MetricName"] == "ApproximateBacklogSizePerInstance"


@pytest.mark.parametrize(
    ("name", "traffic", "kw"),
    [
        ("steady-ep", lambda _t: 400.0, {}),  # flat: every hour needs all 4
        ("scaled-ep", office(400.0, 40.0), {"autoscaling": {"MinCapacity": 2, "MaxCapacity": 4}}),
        ("pair-ep", office(400.0, 40.0), {"count": 2}),  # already at the minimum of 2
        ("idle-ep", lambda _t: None, {}),  # idle-endpoint's finding
    ],
)
def test_lookalikes_not_flagged(run_one, name, traffic, kw):
    ep, inv = _ep(name, traffic, **kw)
    assert run_one(CHECK, ep, inv) == []


def test_unknown_scaling_target_is_not_judged(run_one):
    ep, inv = _ep("blind-ep", office(400.0, 40.0))
    ep.variants[0].autoscaling = None  # DescribeScalableTargets not read / failed
    assert run_one(CHECK, ep, inv) == []


def test_min_capacity_setting(run_one):
    ep, inv = _ep("checkout-ep", office(400.0, 40.0))
    [f] = run_one(CHECK, ep, inv, min_capacity=1)
    [v] = f.evidence["variants"]
    # quiet hours now run 1 instance: 50 x 4 + 118 x 1 = 318
    assert v["replayed_instance_hours"] == 318


def test_unpriced_type_reports_instance_hours_without_dollars(run_one):
    ep, inv = _ep("m6i-ep", office(400.0, 40.0))
    ep.variants[0].instance_type = "ml.m6i.xlarge"  # specs known, no hosting price
    [f] = run_one(CHECK, ep, inv)
    assert f.monthly_cost_usd is None and f.monthly_savings_usd is None
    assert f.evidence["unpriced_instance_type"] == "ml.m6i.xlarge"
    [v] = f.evidence["variants"]
    assert (v["fixed_instance_hours"], v["replayed_instance_hours"]) == (672, 436)
    assert "fixed_monthly_cost_usd" not in v
