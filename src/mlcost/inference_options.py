"""Hourly traffic replayed on SageMaker's ways of hosting a model, and priced.

Why one module: the ``endpoint-inference-type`` and ``endpoint-no-autoscaling`` checks
(observed traffic of a deployed endpoint) and ``mlcost plan inference`` (a trace file or an
endpoint's series, at a measured per-instance throughput) ask the same questions — how many
instances would each hour need, what would a target-tracking policy have run, does the
traffic come in scheduled bulks, what does that cost at the catalogue's price. Two copies
would drift, so both read this one. Nothing here reads AWS or an inventory.

A capacity is requests one instance serves in a clock hour. The checks take it from what the
deployed fleet demonstrably carried (its busiest hour / its instance count); the planner from
a stored bench run when one exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from mlcost.checks._support import Priced, quote
from mlcost.model import HOURS_PER_MONTH, MetricLabel, usd

#: AWS's memory sizes for a serverless endpoint (SageMaker developer guide, "Serverless
#: Inference": 1024 MB to 6144 MB in 1 GB steps; no GPU; payload <= 4 MB; 60 s).
SERVERLESS_MEMORY_SIZES_MB = (1024, 2048, 3072, 4096, 5120, 6144)
SERVERLESS_UNPRICED = (
    "SageMaker Serverless Inference prices (per GB-second of memory and per GB processed) "
    "are not in the price catalogue; `mlcost prices refresh` may fetch them"
)


@dataclass(frozen=True, slots=True)
class Traffic:
    """Requests per clock hour over the judged window, oldest first (0 for an hour without
    a datapoint: SageMaker publishes nothing in an hour without requests)."""

    start: datetime
    hourly: tuple[float, ...]
    label: MetricLabel = MetricLabel.INVOCATIONS

    @property
    def hours(self) -> int:
        return len(self.hourly)

    @property
    def total(self) -> float:
        return sum(self.hourly)

    @property
    def peak(self) -> float:
        return max(self.hourly, default=0.0)

    @property
    def active_hours(self) -> int:
        return sum(1 for v in self.hourly if v > 0)


def per_instance_capacity(traffic: Traffic, instance_count: int) -> float:
    """Requests one instance demonstrably served in an hour: the peak hour / the count."""
    return traffic.peak / max(instance_count, 1)


def instances_needed(requests: float, capacity: float) -> int:
    """Instances for one hour's requests at ``capacity`` each (0 for an hour without any)."""
    if requests <= 0:
        return 0
    return max(1, math.ceil(requests / capacity - 1e-9))


def replay_target_tracking(
    traffic: Traffic,
    capacity: float,
    *,
    target: float,
    min_capacity: int,
    max_capacity: int,
    scale_in_lag_hours: int = 1,
) -> list[int]:
    """Instances a target-tracking policy would have run each hour.

    Each hour needs ceil(requests / (capacity x target)) instances, between ``min_capacity``
    and ``max_capacity``. Scale-out is taken as immediate within the hour (Application Auto
    Scaling reacts in minutes); scale-in waits ``scale_in_lag_hours`` (AWS scales in
    conservatively, after a cooldown): an hour keeps the largest count of itself and the
    hours before it within the lag."""
    per_instance = capacity * target
    raw = [
        min(max_capacity, max(min_capacity, math.ceil(r / per_instance - 1e-9) if r > 0 else 0))
        for r in traffic.hourly
    ]
    if scale_in_lag_hours <= 0:
        return raw
    return [max(raw[max(0, i - scale_in_lag_hours) : i + 1]) for i in range(len(raw))]


def bulk_share(traffic: Traffic, window_hours: int) -> tuple[float, list[int]]:
    """Share of requests in the busiest ``window_hours`` hours of the day, and those hours
    (UTC): what tells scheduled bulk work (a batch transform job's shape) from live traffic."""
    by_hour = [0.0] * 24
    for i, v in enumerate(traffic.hourly):
        by_hour[(traffic.start.hour + i) % 24] += v
    top = sorted(range(24), key=lambda h: -by_hour[h])[:window_hours]
    busiest = [h for h in top if by_hour[h] > 0]
    total = traffic.total
    return (sum(by_hour[h] for h in busiest) / total if total else 0.0), sorted(busiest)


def daily_totals(traffic: Traffic) -> list[float]:
    """Requests per UTC day (days without a clock hour in the window are absent)."""
    days: dict[int, float] = {}
    for i, v in enumerate(traffic.hourly):
        t = traffic.start.toordinal() + (traffic.start.hour + i) // 24
        days[t] = days.get(t, 0.0) + v
    return list(days.values())


def batch_instance_hours(traffic: Traffic, capacity: float) -> int:
    """One batch transform job a day: ceil(day's requests / capacity) instance-hours each."""
    return sum(instances_needed(d, capacity) for d in daily_totals(traffic))


def priced_option(
    name: str,
    instance_hours: int | None,
    priced: Priced | None,
    window_hours: Decimal,
    **extra: Any,
) -> dict[str, Any]:
    """One hosting option: instance-hours over the window, the price and the monthly cost
    (instance-hours x price x 730 h / window hours), or the reason it is unpriced. Keys that
    start with ``_`` (the Decimal cost, the price's confidence) are for the caller's
    arithmetic, not for display."""
    out: dict[str, Any] = {"option": name, **extra, "instance_hours_observed": instance_hours}
    if priced is None or instance_hours is None:
        out.update(monthly_cost_usd=None, unpriced=extra.get("unpriced") or SERVERLESS_UNPRICED)
        return out

    if priced.quote is None:
        out.update(monthly_cost_usd=None, unpriced=priced.reason)
        return out

    q = priced.quote
    monthly = q.usd_per_hour * instance_hours * HOURS_PER_MONTH / window_hours
    out.update(
        price=q.evidence(),
        monthly_cost_usd=str(usd(monthly)),
        arithmetic=f"{instance_hours} instance-h x ${q.usd_per_hour}/h x "
        f"{int(HOURS_PER_MONTH)} h / {window_hours} h observed",
        _monthly=monthly,
        _confidence=q.confidence,
    )
    return out


__all__ = [
    "SERVERLESS_MEMORY_SIZES_MB",
    "SERVERLESS_UNPRICED",
    "Priced",
    "Traffic",
    "batch_instance_hours",
    "bulk_share",
    "daily_totals",
    "instances_needed",
    "per_instance_capacity",
    "priced_option",
    "quote",
    "replay_target_tracking",
]
