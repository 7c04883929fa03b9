"""`mlcost plan training`: on-demand against managed spot for one training job, with the
checkpoint interval that minimises the expected wall time under interruptions.

Why these formulas: with interruptions arriving at random (exponential, mean time between
them M) and a checkpoint costing δ to write, Young (1974) showed the interval that wastes
least is about sqrt(2 δ M); Daly (2006, "A higher order estimate of the optimum checkpoint
interval for restart dumps") refined it to

    τ = sqrt(2 δ M) x [1 + (1/3) sqrt(δ / 2M) + (1/9) (δ / 2M)] - δ     for δ < 2M, else M

and gave the expected wall time of a job of T hours of work, restarting in R after each
interruption:

    T_wall = M e^(R/M) (e^((τ + δ)/M) - 1) T / τ

Managed spot bills the instance time the job runs (work, checkpoints, rework after an
interruption, restarts), not the time it waits for capacity; so the expected spot cost is
T_wall x instances x the training price x (1 - spot discount). The discount and the price are
the ``training-spot`` check's: the catalogue's training price, and the EC2 spot saving of the
same hardware as a labelled proxy (SageMaker publishes no managed-spot price list).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mlcost.checks.training_spot import managed_spot_discount
from mlcost.errors import UserError
from mlcost.inference_options import quote
from mlcost.model import Usage, usd
from mlcost.pricing import spot_savings

#: The Spot Instance Advisor's bands are the share of instances interrupted in a month; a
#: band's upper bound as a per-hour rate is -ln(1 - p) / 730 (exponential arrivals).
BAND_UPPER = {"<5%": 0.05, "5-10%": 0.10, "10-15%": 0.15, "15-20%": 0.20}
HOURS_PER_MONTH = 730.0
#: StoppingCondition.MaxRuntimeInSeconds may be at most 28 days (SageMaker API reference):
#: a managed-spot job expected to be billed longer is stopped before it finishes.
MAX_RUNTIME_S = 28 * 24 * 3600


@dataclass(frozen=True, slots=True)
class TrainingSpec:
    """One job's shape: what it runs on and how long its work takes uninterrupted."""

    instance_type: str
    instance_count: int
    hours: float  # work time, uninterrupted
    checkpoint_minutes: float  # time to write one checkpoint (δ)
    restart_minutes: float  # from an interruption to running again from the checkpoint (R)
    interval_minutes: float | None = None  # the job's own checkpoint interval, if it has one
    max_runtime_seconds: int | None = None  # the job's StoppingCondition, if known


def young_interval(checkpoint: float, mtbf: float) -> float:
    """Young's first-order optimum sqrt(2 δ M), in the units given."""
    return math.sqrt(2 * checkpoint * mtbf)


def daly_interval(checkpoint: float, mtbf: float) -> float:
    """Daly's higher-order optimum (his eq. 37), in the units given."""
    if checkpoint >= 2 * mtbf:
        return mtbf
    x = checkpoint / (2 * mtbf)
    return math.sqrt(2 * checkpoint * mtbf) * (1 + math.sqrt(x) / 3 + x / 9) - checkpoint


def expected_wall(
    work: float, interval: float, checkpoint: float, restart: float, mtbf: float
) -> float:
    """Daly's expected wall time of ``work`` with checkpoints every ``interval`` (same units);
    infinite when interruptions come so much faster than a checkpoint that it overflows.
    ``expm1``, not ``exp(x) - 1``: with rare interruptions x is tiny and the subtraction
    would round the whole wall time to 0."""
    try:
        return (
            mtbf
            * math.exp(restart / mtbf)
            * math.expm1((interval + checkpoint) / mtbf)
            * (work / interval)
        )
    except OverflowError:
        return math.inf


def interruption_rate(
    instance_type: str, region: str, given: float | None
) -> tuple[float, dict[str, Any]]:
    """Interruptions per instance-hour: the user's, else the Spot Instance Advisor band's
    upper bound for the same EC2 type (a labelled estimate)."""
    if given is not None:
        return given, {"basis": "--interruption-rate", "per_instance_hour": given}
    ec2 = instance_type.removeprefix("ml.")
    found = spot_savings(ec2, region)
    band = found.interruption_band if found else None
    if band not in BAND_UPPER:
        raise UserError(
            f"no interruption estimate for {ec2} in {region}"
            + (f" (Spot Advisor band {band})" if band else ""),
            "pass --interruption-rate R (interruptions per instance-hour, e.g. 0.01)",
        )
    p = BAND_UPPER[band]
    rate = -math.log(1 - p) / HOURS_PER_MONTH
    assert found is not None
    return rate, {
        "basis": f"EC2 Spot Instance Advisor band {band} of instances interrupted a month for "
        f"{ec2} in {region}, upper bound {p:.0%}: -ln(1 - {p}) / 730 h (an estimate)",
        "per_instance_hour": rate,
        "spot_evidence": found.evidence(),
    }


def plan_training(
    spec: TrainingSpec, region: str, *, rate: float | None = None, spot_discount: Any = None
) -> dict[str, Any]:
    """On-demand and managed spot for ``spec``: cost, expected wall time, the optimal
    checkpoint interval, MaxWaitTime advice, and which is cheaper."""
    per_hour, rate_evidence = interruption_rate(spec.instance_type, region, rate)
    job_rate = per_hour * spec.instance_count  # any instance's interruption stops the job
    mtbf_h = 1 / job_rate
    delta_h, restart_h = spec.checkpoint_minutes / 60, spec.restart_minutes / 60
    tau_h = daly_interval(delta_h, mtbf_h)
    wall_opt = expected_wall(spec.hours, tau_h, delta_h, restart_h, mtbf_h)
    p = quote(spec.instance_type, region, Usage.TRAINING)
    discount, discount_evidence = managed_spot_discount(spec.instance_type, region, spot_discount)
    out: dict[str, Any] = {
        "region": region,
        "instance_type": spec.instance_type,
        "instance_count": spec.instance_count,
        "work_hours": spec.hours,
        "interruptions": {
            **rate_evidence,
            "job_mtbf_hours": round(mtbf_h, 4),
            "rule": f"1 / ({per_hour:.6g} per instance-hour x {spec.instance_count} instances)",
        },
        "checkpoint": {
            "write_minutes": spec.checkpoint_minutes,
            "restart_minutes": spec.restart_minutes,
            "young_interval_minutes": round(young_interval(delta_h, mtbf_h) * 60, 3),
            "daly_interval_minutes": round(tau_h * 60, 3),
            "rule": "Daly: sqrt(2 δ M) (1 + sqrt(δ/2M)/3 + (δ/2M)/9) - δ",
        },
        "spot_discount": None if discount is None else str(discount),
        **discount_evidence,
    }
    od: dict[str, Any] = {"option": "on-demand", "wall_hours": spec.hours}
    if not math.isfinite(wall_opt):
        return _never_finishes(out, od, spec, p)
    if wall_opt * 3600 > MAX_RUNTIME_S:
        return _never_finishes(
            out, od, spec, p, wall_hours=round(wall_opt, 4),
            why=f"the expected billed time, {_big(wall_opt)} h with interruptions and rework, "
            f"is over the {MAX_RUNTIME_S // 86400} days MaxRuntimeInSeconds allows at most",
        )  # fmt: skip
    spot: dict[str, Any] = {
        "option": "managed-spot",
        "wall_hours": round(wall_opt, 4),
        "wall_rule": "Daly: M e^(R/M) (e^((τ+δ)/M) - 1) T / τ, at the Daly interval",
        "billed_instance_hours": round(wall_opt * spec.instance_count, 4),
    }
    if spec.interval_minutes:
        current = expected_wall(spec.hours, spec.interval_minutes / 60, delta_h, restart_h, mtbf_h)
        spot["wall_hours_at_current_interval"] = (
            round(current, 4) if math.isfinite(current) else None
        )
    _on_demand_cost(od, spec, p)
    if p.quote is None:
        spot.update(cost_usd=None, unpriced=p.reason)
    else:
        q = p.quote
        if discount is None:
            spot.update(cost_usd=None, unpriced="no managed-spot discount evidence")
        else:
            wall_dec = Decimal(repr(round(wall_opt, 6)))
            spot_cost = q.usd_per_hour * spec.instance_count * wall_dec * (1 - discount)
            spot.update(
                price=q.evidence(),
                cost_usd=str(usd(spot_cost)),
                arithmetic=f"${q.usd_per_hour}/h x {spec.instance_count} x {wall_dec} h "
                f"x (1 - {discount})",
            )
    out["options"] = [od, spot]
    out["recommended"] = _recommend(od, spot)
    out["stopping_condition"] = _stopping_advice(spec, wall_opt, tau_h)
    return out


def _on_demand_cost(od: dict[str, Any], spec: TrainingSpec, p: Any) -> None:
    """The on-demand figure: training $/h x instances x work hours, or unpriced."""
    if p.quote is None:
        od.update(cost_usd=None, unpriced=p.reason)
        return
    q = p.quote
    od.update(
        price=q.evidence(),
        cost_usd=str(usd(q.usd_per_hour * spec.instance_count * Decimal(repr(spec.hours)))),
        arithmetic=f"${q.usd_per_hour}/h x {spec.instance_count} x {spec.hours:g} h",
    )


def _never_finishes(
    out: dict[str, Any],
    od: dict[str, Any],
    spec: TrainingSpec,
    p: Any,
    *,
    wall_hours: float | None = None,
    why: str = "interruptions come much faster than a checkpoint can be written and the "
    "work redone",
) -> dict[str, Any]:
    """Interruptions far faster than a checkpoint can be written (the expected spot wall time
    is unbounded), or an expected billed time over AWS's 28-day limit: spot is no option and
    on-demand is the answer."""
    _on_demand_cost(od, spec, p)
    spot = {
        "option": "managed-spot",
        "wall_hours": wall_hours,
        "cost_usd": None,
        "unpriced": f"the job would not finish: {why}",
    }
    out.update(options=[od, spot], recommended="on-demand", stopping_condition=None)
    return out


def _big(hours: float) -> str:
    """Hours to show: whole with thousands separators, or in powers of ten past a million."""
    return f"{hours:,.0f}" if hours < 1e6 else f"{hours:.3g}"


def _recommend(od: dict[str, Any], spot: dict[str, Any]) -> str | None:
    if od.get("cost_usd") is None or spot.get("cost_usd") is None:
        return None
    return "managed-spot" if Decimal(spot["cost_usd"]) < Decimal(od["cost_usd"]) else "on-demand"


def _stopping_advice(spec: TrainingSpec, wall_h: float, tau_h: float) -> dict[str, Any]:
    """MaxRuntimeInSeconds covers the expected billed time (the job's own limit if larger);
    MaxWaitTimeInSeconds, which AWS requires >= MaxRuntimeInSeconds and which also counts
    the waits for spot capacity, twice that (the ``training-spot`` fix's rule)."""
    runtime = max(math.ceil(wall_h * 3600), spec.max_runtime_seconds or 0)
    return {
        "EnableManagedSpotTraining": True,
        "MaxRuntimeInSeconds": runtime,
        "MaxWaitTimeInSeconds": 2 * runtime,
        "checkpoint_every_minutes": round(tau_h * 60, 1),
        "CheckpointConfig": "S3Uri: where the training script's /opt/ml/checkpoints is synced",
        "why": "MaxRuntime: the expected billed time with interruptions and rework; "
        "MaxWait (>= MaxRuntime, counts waits for capacity too): twice that",
    }
