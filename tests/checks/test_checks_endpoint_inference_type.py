"""endpoint-inference-type on four traffic shapes (steady, diurnal, nightly bulk, sparse), with
the dollars worked out by hand from the catalogue's us-east-1 prices:

* ml.m5.xlarge real-time hosting $0.23/h (FMBench list, 2025-01-26); asynchronous inference
  $0.23/h (labelled substitution of hosting); batch transform $0.23/h (labelled substitution
  of Studio-Notebook, 2025-06-16).
* The window is the helpers' week: 2026-11-13 12:00 to 2026-11-20 12:00 UTC, 168 hours.
  A month is 730 h, so a cost is instance-hours x price x 730 / 168.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from checks_helpers import NOW, endpoint_series, inventory, make_endpoint

from mlcost.model import EndpointVariant, SeriesStatus

CHECK = "endpoint-inference-type"


def _ep(name, traffic, *, itype="ml.m5.xlarge", count=1, memory_pct=20.0, **kw):
    ep = make_endpoint(name, [EndpointVariant("AllTraffic", itype, count)], **kw)
    metrics = [
        endpoint_series(name, "AllTraffic", "Invocations", traffic),
        endpoint_series(name, "AllTraffic", "MemoryUtilization", memory_pct),
    ]
    return ep, inventory([ep], {ep.key: metrics})


def _options(finding):
    return {o["option"]: o for o in finding.evidence["options"]}


def steady(_t):
    return 100.0


def office_hours(t):
    """50 requests an hour 09:00-17:59 UTC on weekdays, nothing otherwise."""
    return 50.0 if t.weekday() < 5 and 9 <= t.hour <= 17 else None


def nightly_bulk(t):
    """2,000 requests in the 02:00 hour each night, nothing otherwise."""
    return 2000.0 if t.hour == 2 else None


def sparse(t):
    """3 requests every 13th hour: 13 hours of the week, at 13 different hours of the day."""
    start = NOW - timedelta(days=7)
    return 3.0 if int((t - start) / timedelta(hours=1)) % 13 == 0 else None


def test_steady_traffic_stays_real_time(run_one):
    ep, inv = _ep("steady-ep", steady)
    assert run_one(CHECK, ep, inv) == []


def test_diurnal_office_hours_goes_asynchronous_with_scale_to_zero(run_one):
    ep, inv = _ep("office-ep", office_hours)
    [f] = run_one(CHECK, ep, inv)
    opts = _options(f)
    # active hours: Fri 13 12-17 (6) + Mon-Thu 9-17 (4 x 9) + Fri 20 9-11 (3) = 45;
    # async keeps an instance one hour after each burst: Fri 13 and Mon-Thu at 18:00 (the
    # Fri 20 burst runs to the window's end) = 5 lag hours -> 45 + 5 = 50
    assert f.evidence["traffic"]["hours_with_requests"] == 45
    assert opts["asynchronous"]["instance_hours_observed"] == 50
    # real-time: 168 h x 0.23 x 730 / 168 = 167.90; async: 50 x 0.23 x 730 / 168 = 49.97
    assert opts["real-time"]["monthly_cost_usd"] == "167.90"
    assert opts["asynchronous"]["monthly_cost_usd"] == "49.97"
    # autoscaled real-time keeps one instance all week: no cheaper than as deployed
    assert opts["real-time-autoscaled"]["monthly_cost_usd"] == "167.90"
    # 3 busiest hours of day hold 3 x 250 of 2,250 requests: not a bulk
    assert opts["batch-transform"]["eligible"] is False
    assert f.evidence["recommended"] == "asynchronous"
    assert f.monthly_cost_usd == Decimal("167.90")
    # 167.9 - 50 x 0.23 x 730 / 168 (49.970238...) = 117.929762 -> 117.93
    assert f.monthly_savings_usd == Decimal("117.93")
    assert f.fix.params["ScalingPolicy"]["MinCapacity"] == 0
    assert opts["asynchronous"]["price"]["basis"] == "substitution"


def test_nightly_bulk_goes_to_batch_transform(run_one):
    ep, inv = _ep("nightly-ep", nightly_bulk, count=2)
    [f] = run_one(CHECK, ep, inv)
    opts = _options(f)
    # capacity: 2,000 requests / 2 instances = 1,000 per instance-hour
    assert f.evidence["capacity_per_instance_hour"] == 1000.0
    # 7 nights (Nov 14-20, 02:00) x ceil(2,000 / 1,000) = 14 instance-hours
    assert opts["batch-transform"]["instance_hours_observed"] == 14
    assert opts["batch-transform"]["busiest_hours_of_day_utc"] == [2]
    # async: 2 instances in the 02:00 hour + 2 kept in the 03:00 hour, 7 nights = 28
    assert opts["asynchronous"]["instance_hours_observed"] == 28
    # real-time: 2 x 0.23 x 730 = 335.80; batch: 14 x 0.23 x 730 / 168 = 13.991666 -> 13.99
    assert opts["real-time"]["monthly_cost_usd"] == "335.80"
    assert opts["batch-transform"]["monthly_cost_usd"] == "13.99"
    assert f.evidence["recommended"] == "batch-transform"
    # 335.80 - 13.991666... = 321.808333 -> 321.81
    assert f.monthly_savings_usd == Decimal("321.81")
    assert f.fix.params["schedule_hours_utc"] == [2]


def test_sparse_traffic_goes_asynchronous_and_shows_serverless_unpriced(run_one):
    ep, inv = _ep("sparse-ep", sparse)
    [f] = run_one(CHECK, ep, inv)
    opts = _options(f)
    assert f.evidence["traffic"]["hours_with_requests"] == 13
    # 13 hours with requests + 13 lag hours = 26 instance-hours
    assert opts["asynchronous"]["instance_hours_observed"] == 26
    # 26 x 0.23 x 730 / 168 = 25.984523 -> 25.98; saving 167.90 - 25.984523 = 141.92
    assert opts["asynchronous"]["monthly_cost_usd"] == "25.98"
    assert f.monthly_savings_usd == Decimal("141.92")
    # serverless: CPU type, footprint 20% x 16 GiB = 3,277 MB -> 4,096 MB; no price: unpriced
    assert opts["serverless"]["eligible"] is True
    assert opts["serverless"]["model_footprint_mb"] == 3277
    assert opts["serverless"]["memory_size_mb"] == 4096
    assert opts["serverless"]["monthly_cost_usd"] is None
    assert "not in the price catalogue" in opts["serverless"]["unpriced"]
    assert f.evidence["recommended"] == "asynchronous"
    assert any("payload" in s for s in f.evidence["signals_not_checked"])
    assert any("Invocations" in s for s in f.evidence["signals_used"])
    assert "unpriced" not in f.evidence  # the finding's own figures are priced


def test_gpu_endpoint_never_offered_serverless(run_one):
    ep, inv = _ep("gpu-sparse-ep", sparse, itype="ml.g4dn.xlarge")
    [f] = run_one(CHECK, ep, inv)
    opts = _options(f)
    assert opts["serverless"]["eligible"] is False
    assert "no GPU" in opts["serverless"]["reason"]
    # g4dn.xlarge $0.7364/h: real-time 0.7364 x 730 = 537.572 -> 537.57
    # async 26 x 0.7364 x 730 / 168 = 13976.872 / 168 = 83.195667 -> 83.20;
    # saving 537.572 - 83.195667 = 454.376333 -> 454.38
    assert opts["real-time"]["monthly_cost_usd"] == "537.57"
    assert opts["asynchronous"]["monthly_cost_usd"] == "83.20"
    assert f.monthly_savings_usd == Decimal("454.38")


def test_large_footprint_rules_out_serverless(run_one):
    ep, inv = _ep("big-model-ep", sparse, memory_pct=50.0)  # 8 GiB of 16 > 6 GB
    [f] = run_one(CHECK, ep, inv)
    assert _options(f)["serverless"]["eligible"] is False
    assert "over serverless' 6 GB" in _options(f)["serverless"]["reason"]


@pytest.mark.parametrize(
    "case",
    ["async", "young", "unreadable", "two-variants", "no-traffic"],
)
def test_lookalikes_not_flagged(run_one, case):
    if case == "async":
        ep, inv = _ep("queue-ep", sparse, is_async=True)
    elif case == "young":  # three days of sparse traffic: under the week it needs
        ep, inv = _ep("new-ep", sparse, created=NOW - timedelta(days=3))
    elif case == "unreadable":
        ep = make_endpoint("blind-ep")
        inv = inventory(
            [ep],
            {
                ep.key: [
                    endpoint_series(
                        "blind-ep", "AllTraffic", "Invocations", 0, status=SeriesStatus.ERROR
                    )
                ]
            },
        )
    elif case == "two-variants":
        ep = make_endpoint(
            "ab-ep",
            [EndpointVariant("A", "ml.m5.xlarge", 1), EndpointVariant("B", "ml.m5.xlarge", 1)],
        )
        inv = inventory(
            [ep],
            {
                ep.key: [
                    endpoint_series("ab-ep", "A", "Invocations", sparse),
                    endpoint_series("ab-ep", "B", "Invocations", sparse),
                ]
            },
        )
    else:  # idle: idle-endpoint's finding, not this one
        ep, inv = _ep("idle-ep", lambda _t: None)
    assert run_one(CHECK, ep, inv) == []


def test_busy_nights_too_is_not_flagged(run_one):
    """Diurnal but never silent (a floor of 10 requests at night): scale-to-zero never
    happens, so asynchronous costs what real-time does."""
    ep, inv = _ep("global-ep", lambda t: 80.0 if 9 <= t.hour <= 17 else 10.0)
    assert run_one(CHECK, ep, inv) == []


def test_unpriced_type_reports_without_dollars(run_one):
    ep, inv = _ep("odd-ep", sparse, itype="ml.m7i.xlarge")
    [f] = run_one(CHECK, ep, inv)
    assert f.monthly_cost_usd is None and f.monthly_savings_usd is None
    assert f.evidence["unpriced_instance_type"] == "ml.m7i.xlarge"
    assert f.confidence <= 0.3


def test_min_monthly_savings_setting(run_one):
    ep, inv = _ep("office-ep", office_hours)
    assert run_one(CHECK, ep, inv, min_monthly_savings=200) == []  # saving is 117.93


def test_a_lookback_that_does_not_start_on_the_hour_still_gives_a_week(run_one):
    """A live scan's window starts at "now - 7 days", rarely on the hour: the hour it starts
    in counts, so seven days of traffic are 168 hours (the default minimum)."""
    ep, inv = _ep("office-ep", office_hours)
    late = inventory(inv.resources, inv.metrics, end=NOW + timedelta(minutes=34))
    [f] = run_one(CHECK, ep, late)
    assert f.evidence["hours_observed"] == 168


def test_after_an_update_only_whole_hours_of_the_new_shape_count(run_one):
    ep, inv = _ep("office-ep", office_hours, last_modified=NOW - timedelta(days=7, minutes=-20))
    # updated at 12:20 a week ago: 12:00 mixes both shapes, 13:00 is the first whole hour
    assert run_one(CHECK, ep, inv) == []  # 167 hours: under the 168 it needs
    [f] = run_one(CHECK, ep, inv, min_hours=167)
    assert f.evidence["hours_observed"] == 167
