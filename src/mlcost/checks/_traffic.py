"""An endpoint's observed hourly traffic, and the fleets that would have served it.

Why one module: ``endpoint-inference-type`` (which way of hosting costs least for this
traffic?) and ``endpoint-no-autoscaling`` (what would a target-tracking policy have run?)
replay the same hourly series against the same capacity estimate; two copies would drift.

Capacity is estimated from what the deployed fleet already carried: its busiest hour's
requests divided by its instance count. Every instance demonstrably served that many requests
in an hour, so a replay never sizes below what was observed (it may size above what the
model could do, which only overstates the cost of the alternatives).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from mlcost.checks._endpoints import variant_series
from mlcost.checks._support import ceil_hour, floor_hour
from mlcost.model import Endpoint, EndpointVariant, Inventory, MetricLabel


@dataclass(frozen=True, slots=True)
class Traffic:
    """Requests per clock hour over the judged window, oldest first (0 for an hour without
    a datapoint: SageMaker publishes nothing in an hour without requests)."""

    start: datetime
    hourly: tuple[float, ...]
    label: MetricLabel

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


def hourly_traffic(
    inventory: Inventory,
    endpoint: Endpoint,
    variants: list[EndpointVariant],
    start: datetime,
) -> Traffic | None:
    """The variants' requests summed per clock hour up to the last whole hour of the window;
    ``None`` when a series is missing or failed (no traffic is concluded from a read that
    did not happen). Async endpoints count ``InvocationsProcessed``.

    The series starts with the hour the lookback starts in (CloudWatch's bucket for it is
    real traffic of this endpoint, so a 7-day lookback gives 168 hours), but after a change
    to the endpoint (``start`` later than the lookback) at the first whole hour after it:
    the hour of the change mixes the old shape's traffic with the new one's."""
    label = MetricLabel.INVOCATIONS_PROCESSED if endpoint.is_async else MetricLabel.INVOCATIONS
    first = ceil_hour(start) if start > inventory.start else floor_hour(start)
    last = floor_hour(inventory.end)
    n = int((last - first) / timedelta(hours=1))
    if n <= 0:
        return None
    hourly = [0.0] * n
    origin = first.timestamp()
    for v in variants:
        series = variant_series(inventory, endpoint, label, v.name)
        if not series or not all(s.readable for s in series):
            return None
        for s in series:
            for t, value in zip(s.timestamps, s.values, strict=False):
                # the clock hour the datapoint falls in, counted from the first whole hour
                i = int((t.timestamp() - origin) // 3600)
                if 0 <= i < n:
                    hourly[i] += value
    return Traffic(first, tuple(hourly), label)


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
