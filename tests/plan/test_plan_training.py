"""`plan training`: Young/Daly against their closed forms worked by hand, and on-demand vs
managed spot priced from the catalogue.

Prices (shipped catalogue, us-east-1): ml.g5.2xlarge training $1.52/h (the Studio-Notebook
price, a labelled substitution, 2025-06-16); its managed-spot discount is the EC2 spot saving
of g5.2xlarge, 58 % (Vantage, 2025-11-30), a labelled proxy; the Spot Advisor puts
g5.2xlarge in the 15-20 % interruption band.
"""

from __future__ import annotations

import json
import math
from decimal import ROUND_HALF_UP, Decimal

import pytest

from mlcost.errors import UserError
from mlcost.plan.training import (
    TrainingSpec,
    daly_interval,
    expected_wall,
    plan_training,
    young_interval,
)


def test_young_and_daly_against_the_hand_computed_closed_form():
    """δ = 5 min to write a checkpoint, M = 600 min between interruptions.
    Young: sqrt(2 x 5 x 600) = sqrt(6000) = 77.459667 min.
    Daly: x = δ / 2M = 5 / 1200 = 0.0041667; sqrt(x) = 0.0645497;
    sqrt(6000) x (1 + 0.0645497 / 3 + 0.0041667 / 9) - 5
      = 77.459667 x 1.0219795 - 5 = 79.162194 - 5 = 74.162194 min."""
    assert young_interval(5, 600) == pytest.approx(77.459667, abs=1e-6)
    assert daly_interval(5, 600) == pytest.approx(74.162194, abs=1e-5)
    # the units only need to agree: the same in hours
    assert daly_interval(5 / 60, 10) * 60 == pytest.approx(74.162194, abs=1e-5)
    # a checkpoint as long as two MTBFs: Daly's answer is M itself
    assert daly_interval(130, 60) == 60


def test_expected_wall_time_is_dalys_formula():
    """T = 10 h of work, τ = 2 h, δ = 0.1 h, R = 0.2 h, M = 20 h:
    20 x e^(0.2/20) x (e^(2.1/20) - 1) x 10 / 2
      = 100 x 1.0100502 x 0.1107106 = 11.182327 h.
    Without interruptions (M huge) it tends to T (1 + δ/τ) = 10.5 h."""
    assert expected_wall(10, 2, 0.1, 0.2, 20) == pytest.approx(11.182327, abs=1e-5)
    assert expected_wall(10, 2, 0.1, 0.2, 1e9) == pytest.approx(10.5, abs=1e-6)
    # Daly's interval is the minimum: either side of it costs more wall time
    tau = daly_interval(0.1, 20)
    best = expected_wall(10, tau, 0.1, 0.2, 20)
    assert best < expected_wall(10, tau * 0.8, 0.1, 0.2, 20)
    assert best < expected_wall(10, tau * 1.25, 0.1, 0.2, 20)


def cents(x: Decimal) -> str:
    return str(x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def test_on_demand_against_managed_spot():
    """2 x ml.g5.2xlarge, 10 h of work, a checkpoint takes 6 min, a restart 10 min, 0.01
    interruptions per instance-hour: the job is interrupted at 0.02/h, M = 50 h.
    On-demand: $1.52 x 2 x 10 h = $30.40.
    Daly τ with δ = 0.1 h: sqrt(10) x (1 + sqrt(0.001)/3 + 0.001/9) - 0.1 = 3.0959623 h;
    wall = 50 e^((1/6)/50) (e^((τ + 0.1)/50) - 1) x 10 / τ = 10.6956 h;
    spot: $1.52 x 2 x wall x (1 - 0.58) = $13.66 — spot is recommended."""
    spec = TrainingSpec("ml.g5.2xlarge", 2, 10.0, 6.0, 10.0)
    plan = plan_training(spec, "us-east-1", rate=0.01)
    tau = math.sqrt(10) * (1 + math.sqrt(0.001) / 3 + 0.001 / 9) - 0.1
    assert plan["checkpoint"]["daly_interval_minutes"] == pytest.approx(tau * 60, abs=1e-3)
    assert tau == pytest.approx(3.0959623, abs=1e-6)
    wall = 50 * math.exp((10 / 60) / 50) * (math.exp((tau + 0.1) / 50) - 1) * 10 / tau
    assert wall == pytest.approx(10.6956, abs=1e-4)
    od, spot = plan["options"]
    assert od["cost_usd"] == "30.40"
    wall6 = Decimal(repr(round(wall, 6)))
    assert spot["cost_usd"] == cents(Decimal("1.52") * 2 * wall6 * Decimal("0.42")) == "13.66"
    assert spot["wall_hours"] == pytest.approx(wall, abs=1e-4)
    assert plan["spot_discount"] == "0.58" and "proxy" in plan["discount_source"]
    assert od["price"]["basis"] == "substitution"  # labelled, never passed off as a list price
    assert plan["recommended"] == "managed-spot"
    sc = plan["stopping_condition"]
    assert sc["MaxRuntimeInSeconds"] == math.ceil(wall * 3600)
    assert sc["MaxWaitTimeInSeconds"] == 2 * sc["MaxRuntimeInSeconds"]


def test_frequent_interruptions_make_on_demand_cheaper():
    """0.5 interruptions per instance-hour on 4 instances (M = 0.5 h) with a 20-minute
    checkpoint and a 30-minute restart: the rework outgrows a 58 % discount."""
    spec = TrainingSpec("ml.g5.2xlarge", 4, 10.0, 20.0, 30.0)
    plan = plan_training(spec, "us-east-1", rate=0.5)
    od, spot = plan["options"]
    assert Decimal(spot["cost_usd"]) > Decimal(od["cost_usd"])
    assert plan["recommended"] == "on-demand"


def test_default_interruption_rate_is_the_advisor_band_upper_bound():
    """g5.2xlarge is in the 15-20 % band: -ln(1 - 0.20) / 730 = 0.00030568 per hour."""
    plan = plan_training(TrainingSpec("ml.g5.2xlarge", 1, 5.0, 5.0, 10.0), "us-east-1")
    rate = plan["interruptions"]["per_instance_hour"]
    assert rate == pytest.approx(-math.log(0.8) / 730, rel=1e-6)
    assert "15-20%" in plan["interruptions"]["basis"]


def test_no_rate_estimate_asks_for_one():
    """p3.2xlarge sits in the '>20%' band, which has no upper bound: no rate is invented."""
    with pytest.raises(UserError, match="--interruption-rate"):
        plan_training(TrainingSpec("ml.p3.2xlarge", 1, 5.0, 5.0, 10.0), "us-east-1")


def test_unpriced_type_is_unpriced_not_zero():
    """ml.inf2.xlarge has no training price and no Studio-Notebook price to substitute."""
    plan = plan_training(TrainingSpec("ml.inf2.xlarge", 1, 5.0, 5.0, 10.0), "us-east-1", rate=0.01)
    assert [o["cost_usd"] for o in plan["options"]] == [None, None]
    assert plan["recommended"] is None


def test_interruptions_faster_than_a_checkpoint_never_finish():
    """100 interruptions per instance-hour on 4 instances (M = 9 s) and a checkpoint of
    1,000 minutes: e^((τ + δ)/M) overflows — spot is no option, on-demand is the answer
    ($1.52 x 4 x 10 h = $60.80), and nothing is infinite in the JSON."""
    spec = TrainingSpec("ml.g5.2xlarge", 4, 10.0, 1000.0, 10.0, interval_minutes=30.0)
    plan = plan_training(spec, "us-east-1", rate=100.0)
    od, spot = plan["options"]
    assert od["cost_usd"] == "60.80"
    assert (spot["wall_hours"], spot["cost_usd"]) == (None, None)
    assert "would not finish" in spot["unpriced"]
    assert plan["recommended"] == "on-demand" and plan["stopping_condition"] is None
    json.dumps(plan, allow_nan=False)


def test_rare_interruptions_cost_the_work_not_zero():
    """With interruptions so rare that (τ + δ) / M is below float precision, e^x - 1 rounds
    to 0 and the expected wall time must not: as M grows, Daly's formula tends to
    T (τ + δ) / τ. T = 10 h, τ = 2 h, δ = 0.1 h, R = 0.2 h, M = 1e20 h: 10 x 2.1 / 2 = 10.5 h.
    A plan at 1e-300 interruptions per instance-hour (τ is then astronomically long, so the
    wall is the work, 10 h): spot is $1.52 x 1 x 10 h x (1 - 0.58) = $6.384 -> $6.38, not
    $0.00, and MaxRuntimeInSeconds is the 36,000 s of work, not 0 (AWS's minimum is 1)."""
    assert expected_wall(10, 2, 0.1, 0.2, 1e20) == pytest.approx(10.5, rel=1e-9)
    plan = plan_training(
        TrainingSpec("ml.g5.2xlarge", 1, 10.0, 6.0, 10.0), "us-east-1", rate=1e-300
    )
    spot = plan["options"][1]
    assert spot["wall_hours"] == pytest.approx(10.0, abs=1e-4)
    assert spot["cost_usd"] == "6.38"
    assert plan["stopping_condition"]["MaxRuntimeInSeconds"] == 36_000


def test_spot_longer_than_awss_28_day_limit_is_no_option():
    """A managed-spot job stops at MaxRuntimeInSeconds, at most 28 days (2,419,200 s, the
    StoppingCondition API reference). 600 h of work at 1 interruption per instance-hour with a
    100-minute restart expects thousands of billed hours (Daly), far past the limit: spot is
    no option (no MaxRuntimeInSeconds over AWS's maximum is advised) and on-demand is
    $1.52 x 1 x 600 h = $912.00. An absurd one (100 interruptions an hour, a 414-minute
    restart, 672 h) whose expected wall is finite but ~1e306 h must not crash in Decimal."""
    plan = plan_training(TrainingSpec("ml.g5.2xlarge", 1, 600.0, 5.0, 100.0), "us-east-1", rate=1)
    od, spot = plan["options"]
    assert od["cost_usd"] == "912.00"
    assert spot["cost_usd"] is None and "28 days" in spot["unpriced"]
    assert spot["wall_hours"] > 24 * 28
    assert plan["recommended"] == "on-demand" and plan["stopping_condition"] is None
    absurd = plan_training(
        TrainingSpec("ml.g5.2xlarge", 1, 672.0, 5.0, 414.0), "us-east-1", rate=100
    )
    assert absurd["options"][1]["cost_usd"] is None and absurd["recommended"] == "on-demand"
    json.dumps(absurd, allow_nan=False)
    # a look-alike inside the limit keeps its spot figure and advice: 10 h at 0.01/h
    ok = plan_training(TrainingSpec("ml.g5.2xlarge", 1, 10.0, 6.0, 10.0), "us-east-1", rate=0.01)
    assert ok["options"][1]["cost_usd"] is not None
    assert ok["stopping_condition"]["MaxRuntimeInSeconds"] <= 2_419_200
