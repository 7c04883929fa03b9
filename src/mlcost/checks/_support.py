"""Small helpers every check shares: stable finding ids, price look-ups that never fail
silently, hourly maxima and percentiles of metric series, and windows in time.

Checks go through :func:`quote` rather than :func:`mlcost.pricing.price` so that an unknown or
unpriced instance type becomes an explicit "unpriced" reason in a finding's evidence (and a
warning in the scan) instead of an exception or a silent $0.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from mlcost import pricing
from mlcost.model import (
    HOURS_PER_MONTH,
    Finding,
    Fix,
    MetricSeries,
    Resource,
    Risk,
    Usage,
    usd,
)

#: The opt-out tag: a resource tagged ``mlcost:skip = true`` never gets a finding.
OPT_OUT_TAG = "mlcost:skip"


def finding_id(check_id: str, resource_key: str) -> str:
    """A short id that stays the same for the same check on the same resource across scans,
    so that ``mlcost fix <id>`` and the dashboard can refer to a finding by it."""
    return hashlib.sha1(f"{check_id}|{resource_key}".encode()).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class Priced:
    """The outcome of a price look-up: a quote, or the reason there is none."""

    quote: pricing.PriceQuote | None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.quote is not None


def quote(instance_type: str, region: str, usage: Usage) -> Priced:
    """Price an instance-hour, turning the catalogue's ``Unpriced`` / ``UnknownInstanceType``
    into a reason string the finding can carry."""
    try:
        return Priced(pricing.price(instance_type, region, usage))
    except (pricing.Unpriced, pricing.UnknownInstanceType) as exc:
        return Priced(None, str(exc))


def spec_or_none(instance_type: str) -> pricing.InstanceSpec | None:
    """The instance spec, or ``None`` when the catalogue does not know the type."""
    try:
        return pricing.spec(instance_type)
    except pricing.UnknownInstanceType:
        return None


def monthly(usd_per_hour: Decimal, quantity: int | Decimal = 1) -> Decimal:
    """price x quantity x 730 h, unrounded (round once, at the end, with :func:`usd`)."""
    return usd_per_hour * Decimal(quantity) * HOURS_PER_MONTH


def money(value: Decimal | None) -> Decimal | None:
    """Round to the cent, keeping ``None`` (unpriced) as ``None``."""
    return None if value is None else usd(value)


def unpriced_evidence(
    instance_type: str, region: str, usage: Usage | str, reason: str
) -> dict[str, Any]:
    """The evidence keys the scan runner reads to list an "unpriced: ..." warning."""
    return {
        "unpriced": reason,
        "unpriced_instance_type": instance_type,
        "unpriced_usage": str(usage),
    }


def add_unpriced(
    evidence: dict[str, Any], instance_type: str, region: str, usage: Usage | str, reason: str
) -> None:
    """Record one more unpriced item of a finding (a resource with several unpriced types,
    one per variant or instance group, names every one: ``unpriced_items``; the first also
    fills the single keys of :func:`unpriced_evidence`)."""
    item = unpriced_evidence(instance_type, region, usage, reason)
    for key, value in item.items():
        evidence.setdefault(key, value)
    items = evidence.setdefault("unpriced_items", [])
    entry = {"instance_type": instance_type, "usage": str(usage), "reason": reason}
    if entry not in items:
        items.append(entry)


# --------------------------------------------------------------------------- time and series


def hours_between(start: datetime, end: datetime) -> Decimal:
    """Whole and fractional hours from ``start`` to ``end`` (never negative)."""
    seconds = max((end - start).total_seconds(), 0.0)
    return Decimal(str(seconds)) / Decimal(3600)


def floor_hour(t: datetime) -> datetime:
    """The start of the clock hour ``t`` falls in."""
    return t.replace(minute=0, second=0, microsecond=0)


def ceil_hour(t: datetime) -> datetime:
    """The first clock-hour boundary at or after ``t``."""
    floored = floor_hour(t)
    return floored if floored == t else floored + timedelta(hours=1)


def in_window(series: MetricSeries, start: datetime, end: datetime) -> list[tuple[datetime, float]]:
    """The (timestamp, value) points of a series with ``floor_hour(start) <= t <= end``.

    CloudWatch labels an hourly bucket with its START: the datapoint stamped 10:00 holds what
    happened from 10:00 to 11:00. A window starting at 10:20 therefore still overlaps the
    10:00 bucket; comparing against the raw start would drop it (and, for an idle verdict,
    drop the very traffic that disproves idleness)."""
    lo = floor_hour(start)
    return [
        (t, v) for t, v in zip(series.timestamps, series.values, strict=False) if lo <= t <= end
    ]


def hourly_maxima(points: Iterable[tuple[datetime, float]]) -> dict[datetime, float]:
    """Max per clock hour. With CloudWatch's 1-hour ``Maximum`` this is the series itself;
    finer periods (the agent's 5 minutes) collapse to the same hourly shape, so thresholds
    mean the same whatever the period."""
    out: dict[datetime, float] = {}
    for t, v in points:
        # CloudWatch's hourly buckets are already on the hour: skip building a new datetime
        hour = t if not (t.minute or t.second or t.microsecond) else floor_hour(t)
        prev = out.get(hour)
        if prev is None or v > prev:
            out[hour] = v
    return out


def merged_hourly_maxima(
    series: Iterable[MetricSeries], start: datetime, end: datetime
) -> dict[datetime, float]:
    """Hourly maxima across several series (one per GPU, or per source) over a window."""
    out: dict[datetime, float] = {}
    for s in series:
        for hour, v in hourly_maxima(in_window(s, start, end)).items():
            out[hour] = max(out.get(hour, v), v)
    return out


def percentile(values: Iterable[float], pct: float) -> float:
    """Nearest-rank percentile (the value at rank ceil(pct/100 x n)); no interpolation, so the
    answer is always a value that was observed."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def window_evidence(start: datetime, end: datetime) -> dict[str, Any]:
    """The window a verdict was judged over, as evidence."""
    return {
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        "window_hours": float(hours_between(start, end).quantize(Decimal("0.01"))),
    }


def hour_slots(start: datetime, end: datetime) -> int:
    """How many whole clock hours a window spans (for coverage checks)."""
    return max(int((end - start) / timedelta(hours=1)), 1)


def finding_for(
    check_id: str,
    resource: Resource,
    *,
    title: str,
    evidence: dict[str, Any],
    cost: Decimal | None,
    saving: Decimal | None,
    fix: Fix,
    risk: Risk,
    confidence: float,
) -> Finding:
    """A finding about ``resource``: its identity fields come from the resource, so no check
    can name one resource and describe another."""
    return Finding(
        id=finding_id(check_id, resource.key),
        check=check_id,
        resource_kind=resource.kind,
        resource_id=resource.id,
        resource_arn=resource.arn,
        region=resource.region,
        title=title,
        evidence=evidence,
        monthly_cost_usd=cost,
        monthly_savings_usd=saving,
        fix=fix,
        risk=risk,
        confidence=round(confidence, 2),
    )
