"""underused-capacity-reservation.

Price (by hand): g5.xlarge EC2 on-demand Linux us-east-1 $1.006/h (2025-06-13 feed); an
ODCR bills every reserved instance at that rate. Window 168 h; month 730 h.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from checks_helpers import ACCOUNT, NOW, REGION, START, inventory, series

from mlcost.model import CapacityReservation, ResourceKind, SeriesStatus
from mlcost.scan import run_checks

CHECK = "underused-capacity-reservation"


def odcr(total=4, available=3, **kw) -> CapacityReservation:
    rid = kw.pop("rid", "cr-0123456789abcdef0")
    return CapacityReservation(
        kind=ResourceKind.CAPACITY_RESERVATION,
        id=rid,
        arn=f"arn:aws:ec2:{REGION}:{ACCOUNT}:capacity-reservation/{rid}",
        region=REGION,
        created=NOW - timedelta(days=30),
        state=kw.pop("state", "active"),
        instance_type=kw.pop("instance_type", "g5.xlarge"),
        availability_zone="us-east-1a",
        total_instances=total,
        available_instances=available,
        start_date=kw.pop("start_date", NOW - timedelta(days=30)),
        **kw,
    )


def util(cr, value, **kw):
    return series(
        "InstanceUtilization",
        "AWS/EC2/CapacityReservations",
        {"CapacityReservationId": cr.id},
        value,
        stat="Average",
        **kw,
    )


def half_then_none(t):
    """One of four instances used for the first 84 h (25 %), none after."""
    return 25.0 if t < START + timedelta(hours=84) else 0.0


def test_underused_reservation_is_resized_to_its_peak(run_one):
    cr = odcr()
    [f] = run_one(CHECK, cr, inventory([cr], {cr.key: [util(cr, half_then_none)]}))
    assert f.evidence["utilization_mean_pct"] == 12.5  # (84 x 25 + 84 x 0) / 168
    assert f.evidence["peak_instances_used"] == 1  # 25 % of 4
    assert f.fix.action == "modify-capacity-reservation"
    assert f.fix.params == {"CapacityReservationId": cr.id, "InstanceCount": 1}
    assert f.monthly_cost_usd == Decimal("2937.52")  # 1.006 x 4 x 730
    assert f.monthly_savings_usd == Decimal("2203.14")  # 1.006 x (4 - 1) x 730
    # unused instance-hours: 84 h x 0.75 x 4 + 84 h x 1.0 x 4 = 252 + 336 = 588
    assert f.evidence["unused_instance_hours_in_window"] == "588.00"
    assert f.evidence["window_unused_cost_usd"] == "591.53"  # 1.006 x 588 = 591.528
    cancel = f.evidence["cancel_alternative"]
    assert cancel["monthly_savings_usd"] == "2937.52"
    assert "cannot be restored" in cancel["undo"]
    assert f.confidence == 0.8


def test_well_used_reservation_is_not_flagged(run_one):
    cr = odcr()
    assert run_one(CHECK, cr, inventory([cr], {cr.key: [util(cr, 60.0)]})) == []


def test_spiky_reservation_whose_peak_fills_it_is_not_resized(run_one):
    # 100 % for 10 h, 0 after: mean 5.95 % but the peak needed all 4
    cr = odcr()
    shape = util(cr, lambda t: 100.0 if t < START + timedelta(hours=10) else 0.0)
    assert run_one(CHECK, cr, inventory([cr], {cr.key: [shape]})) == []


def test_without_the_metric_the_current_counts_stand_in(run_one):
    cr = odcr(total=4, available=4)
    [f] = run_one(CHECK, cr, inventory([cr]))
    assert f.confidence == 0.4
    assert "now" in f.title
    assert f.monthly_savings_usd == Decimal("2203.14")  # 1.006 x (4 - 1) x 730, min 1 kept
    assert f.evidence["unused_instance_hours_in_window"] == "672.00"  # 4 x 168 h


def test_failed_metric_read_falls_back_to_counts_with_low_confidence(run_one):
    cr = odcr(total=4, available=1)  # 3 of 4 in use now: 75 %
    bad = util(cr, 0.0, status=SeriesStatus.ERROR)
    assert run_one(CHECK, cr, inventory([cr], {cr.key: [bad]})) == []


def test_reservation_ending_soon_counts_only_its_remaining_hours(run_one):
    cr = odcr(end_date=NOW + timedelta(hours=100), end_date_type="limited")
    [f] = run_one(CHECK, cr, inventory([cr], {cr.key: [util(cr, half_then_none)]}))
    assert f.monthly_savings_usd == Decimal("301.80")  # 1.006 x 3 x 100 h
    assert f.evidence["hours_until_end"] == "100.00"


def test_capacity_blocks_and_inactive_reservations_are_not_judged(run_one):
    block = odcr(reservation_type="capacity-block")
    expired = odcr(state="expired")
    for cr in (block, expired):
        assert run_one(CHECK, cr, inventory([cr], {cr.key: [util(cr, 0.0)]})) == []


def test_new_reservation_is_not_judged(run_one):
    cr = odcr(start_date=NOW - timedelta(days=1))
    assert run_one(CHECK, cr, inventory([cr], {cr.key: [util(cr, 0.0)]})) == []


def test_windows_reservation_is_reported_unpriced():
    cr = odcr(platform="Windows")
    result = run_checks(inventory([cr], {cr.key: [util(cr, 0.0)]}), only=[CHECK], now=NOW)
    [f] = result.findings
    assert f.monthly_cost_usd is None and f.monthly_savings_usd is None
    assert any("g5.xlarge" in w and "unpriced" in w for w in result.warnings)
