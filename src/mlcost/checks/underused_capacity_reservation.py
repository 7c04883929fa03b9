"""On-Demand Capacity Reservations that reserve far more instances than run in them."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from mlcost.checks._support import (
    HOURS_PER_MONTH,
    finding_for,
    hour_slots,
    hourly_maxima,
    hours_between,
    in_window,
    money,
    quote,
    unpriced_evidence,
    window_evidence,
)
from mlcost.checks.registry import check
from mlcost.model import (
    CapacityReservation,
    Finding,
    Fix,
    Inventory,
    MetricLabel,
    ResourceKind,
    Risk,
    Usage,
)

DOC = "docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-reservations-pricing-billing.html"

NOT_CHECKED = [
    "instances that will launch into the reservation later (planned launches, events)",
    "why the capacity was reserved (a scarce type in one zone may be worth holding)",
    "Savings Plans or Reserved Instances that discount the reservation's rate (priced at "
    "the on-demand list rate)",
]


def _hourly_average(
    resource: CapacityReservation, inventory: Inventory, start: datetime, end: datetime
) -> tuple[dict[datetime, float] | None, str | None]:
    """Hourly InstanceUtilization (Average, percent), or (None, why not)."""
    series = inventory.series(resource, MetricLabel.INSTANCE_UTILIZATION)
    if not series:
        return None, "InstanceUtilization not read"
    if not all(s.readable for s in series):
        return None, f"InstanceUtilization read failed: {series[0].error}"
    hourly: dict[datetime, float] = {}
    for s in series:
        # hourly_maxima of an hourly Average series is the series itself, one value an hour
        for hour, v in hourly_maxima(in_window(s, start, end)).items():
            hourly[hour] = max(hourly.get(hour, v), v)
    return hourly, None


@check(
    "underused-capacity-reservation",
    ResourceKind.CAPACITY_RESERVATION,
    needs=(MetricLabel.INSTANCE_UTILIZATION,),
    statuses=("active",),
    utilization_threshold_pct=20.0,
    min_hours=72,
    min_coverage=0.9,
)
def underused_capacity_reservation(
    resource: CapacityReservation, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """An active On-Demand Capacity Reservation used under ``utilization_threshold_pct``
    (20 %) on average over the window: resize it to the instances actually run.

    AWS bills every reserved instance of an ODCR at the on-demand rate whether an instance
    runs in it or not (capacity-reservations-pricing-billing.html). Signal:
    ``AWS/EC2/CapacityReservations`` ``InstanceUtilization`` by ``CapacityReservationId``
    (hourly Average, percent of the reserved instances in use) over the window since the
    reservation started (at least ``min_hours``, datapoints in ``min_coverage`` of its
    hours). When the metric is not available, the current counts from
    DescribeCapacityReservations (TotalInstanceCount - AvailableInstanceCount in use) stand
    in, at confidence 0.4, and the title says "now". Capacity Blocks (paid up front) and
    reservations that are not ``active`` are not judged.

    Proposal: ModifyCapacityReservation to the peak number of instances used (at least 1:
    AWS's minimum); undo modifies it back (which needs free capacity in the zone, so it can
    fail). Cancelling (CancelCapacityReservation) is shown as an alternative only, never as
    the fix: a cancelled reservation cannot be restored. Money: EC2 on-demand Linux price x
    instances released x 730 h (fewer hours when the reservation ends sooner); the window's
    unused instance-hours x price is shown as what the idle capacity cost so far.
    """
    if resource.state != "active" or resource.reservation_type != "default":
        return []
    total = resource.total_instances
    if total < 1:
        return []
    end = inventory.end
    start = inventory.start
    began = resource.start_date or resource.created
    if began is not None and began > start:
        start = began
    if end - start < timedelta(hours=float(settings["min_hours"])):
        return []
    hourly, why_not = _hourly_average(resource, inventory, start, end)
    slots = hour_slots(start, end)
    window_hours = hours_between(start, end)
    evidence: dict[str, Any] = {
        **window_evidence(start, end),
        "instance_type": resource.instance_type,
        "platform": resource.platform,
        "tenancy": resource.tenancy,
        "availability_zone": resource.availability_zone,
        "total_instance_count": total,
        "available_instance_count_now": resource.available_instances,
        "instance_match_criteria": resource.instance_match_criteria,
        "end_date_type": resource.end_date_type,
        "end_date": resource.end_date.isoformat() if resource.end_date else None,
        "signals_not_checked": NOT_CHECKED,
    }
    if resource.instance_match_criteria == "targeted":
        evidence["targeted_note"] = (
            "targeted: only instances launched with this reservation as their target use it; "
            "matching instances launched without it run (and bill) outside it"
        )
    if hourly is not None and len(hourly) >= float(settings["min_coverage"]) * slots:
        mean_pct = sum(hourly.values()) / len(hourly)
        peak_pct = max(hourly.values())
        # instance-hours unused: per hour (1 - utilisation) x reserved instances
        unused_hours = Decimal(str(sum((100 - v) / 100 * total for v in hourly.values())))
        # hours without a datapoint are left out (coverage >= min_coverage), not assumed idle
        evidence.update(
            {
                "signal": "AWS/EC2/CapacityReservations InstanceUtilization by "
                "CapacityReservationId (hourly Average)",
                "hours_with_data": len(hourly),
                "utilization_mean_pct": round(mean_pct, 2),
                "utilization_peak_pct": round(peak_pct, 2),
            }
        )
        confidence = 0.8
        basis = "over the window"
    else:
        used_now = total - resource.available_instances
        mean_pct = peak_pct = used_now / total * 100
        unused_hours = Decimal(resource.available_instances) * window_hours
        evidence.update(
            {
                "signal": "DescribeCapacityReservations current counts (TotalInstanceCount - "
                f"AvailableInstanceCount = {used_now} in use now); {why_not or 'too few datapoints'}",
                "utilization_now_pct": round(mean_pct, 2),
                "unused_hours_assumption": "the instances available now were available all window",
            }
        )
        confidence = 0.4
        basis = "now"
    if mean_pct >= settings["utilization_threshold_pct"]:
        return []
    peak_used = math.ceil(round(peak_pct / 100 * total, 6))
    new_count = max(peak_used, 1)
    released = total - new_count
    evidence["peak_instances_used"] = peak_used
    evidence["proposed_instance_count"] = new_count
    evidence["unused_instance_hours_in_window"] = str(unused_hours.quantize(Decimal("0.01")))
    hours_ahead = HOURS_PER_MONTH
    if resource.end_date is not None and resource.end_date_type == "limited":
        left = hours_between(end, resource.end_date)
        if left < hours_ahead:
            hours_ahead = left
            evidence["hours_until_end"] = str(left.quantize(Decimal("0.01")))
    evidence["hours_counted"] = str(hours_ahead.normalize())

    cost = saving = cancel_saving = None
    unpriced: str | None = None
    if resource.platform != "Linux/UNIX" or resource.tenancy != "default":
        unpriced = (
            f"{resource.platform}, {resource.tenancy} tenancy: the catalogue holds Linux/UNIX "
            "shared-tenancy on-demand prices only"
        )
    p = None if unpriced else quote(resource.instance_type, resource.region, Usage.EC2)
    if p is not None and p.quote is None:
        unpriced = p.reason or "unpriced"
    if unpriced is not None or p is None or p.quote is None:
        evidence.update(
            unpriced_evidence(resource.instance_type, resource.region, Usage.EC2, unpriced or "")
        )
        confidence = min(confidence, 0.4)
    else:
        rate = p.quote.usd_per_hour
        evidence["price"] = p.quote.evidence()
        evidence["price_source_note"] = f"an ODCR bills at the on-demand rate ({DOC})"
        cost = money(rate * total * HOURS_PER_MONTH)
        saving = money(rate * released * hours_ahead)
        cancel_saving = money(rate * total * hours_ahead)
        evidence["window_unused_cost_usd"] = str(money(rate * unused_hours))
        evidence["window_unused_cost_arithmetic"] = (
            f"{rate} $/h x {unused_hours.quantize(Decimal('0.01'))} unused instance-hours"
        )
        evidence["monthly_cost_arithmetic"] = f"{rate} $/h x {total} x {int(HOURS_PER_MONTH)} h"
        evidence["monthly_savings_arithmetic"] = (
            f"{rate} $/h x ({total} - {new_count}) x {hours_ahead.normalize()} h"
        )
        confidence *= p.quote.confidence
    if released < 1:
        return []  # the peak used every reserved instance: a smaller one would have failed it
    evidence["cancel_alternative"] = {
        "action": "CancelCapacityReservation",
        "monthly_savings_usd": None if cancel_saving is None else str(cancel_saving),
        "risk": "disruptive",
        "undo": "none: a cancelled reservation cannot be restored, and the capacity may not "
        "be available again; never applied by default",
    }
    return [
        finding_for(
            "underused-capacity-reservation",
            resource,
            title=f"Capacity reservation {resource.id} ({total} x {resource.instance_type}, "
            f"{resource.availability_zone}) is {mean_pct:.0f} % used {basis}: "
            f"reduce it to {new_count}",
            evidence=evidence,
            cost=cost,
            saving=saving,
            fix=Fix(
                "modify-capacity-reservation",
                {"CapacityReservationId": resource.id, "InstanceCount": new_count},
            ),
            risk=Risk.REVIEW,
            confidence=confidence,
        )
    ]
