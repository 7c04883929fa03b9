"""An endpoint's observed hourly traffic, and the fleets that would have served it.

Why one module: ``endpoint-inference-type`` (which way of hosting costs least for this
traffic?) and ``endpoint-no-autoscaling`` (what would a target-tracking policy have run?)
replay the same hourly series against the same capacity estimate; two copies would drift.

Capacity is estimated from what the deployed fleet already carried: its busiest hour's
requests divided by its instance count. Every instance demonstrably served that many requests
in an hour, so a replay never sizes below what was observed (it may size above what the
model could do, which only overstates the cost of the alternatives).

The replay itself (``Traffic``, capacity, target tracking) lives in
:mod:`mlcost.inference_options`, shared with ``mlcost plan inference``; this module turns an
inventory's series into that hourly ``Traffic``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mlcost.checks._endpoints import variant_series
from mlcost.checks._support import ceil_hour, floor_hour
from mlcost.inference_options import (
    Traffic,
    instances_needed,
    per_instance_capacity,
    replay_target_tracking,
)
from mlcost.model import Endpoint, EndpointVariant, Inventory, MetricLabel


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


__all__ = [
    "Traffic",
    "hourly_traffic",
    "instances_needed",
    "per_instance_capacity",
    "replay_target_tracking",
]
