"""`plan inference`'s planner: four traffic shapes priced by hand, and its promises as
properties (a cheaper option is never reported as more expensive; what it recommends meets
the SLO).

Prices (the shipped catalogue, us-east-1): ml.m5.xlarge real-time hosting $0.23/h (FMBench's
price file, 2025-01-26, list); asynchronous inference $0.23/h (the hosting price, a labelled
substitution); batch transform $0.23/h (Studio-Notebook price, a labelled substitution).
ml.g5.xlarge hosting $1.4084/h. Every trace here is 48 hours from 2024-05-01 00:00 UTC, so
a monthly figure is the trace's cost x 730 / 48.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlcost.inference_options import Traffic
from mlcost.plan.inference import Capacity, capacities_from_bench, plan_inference

START = datetime(2024, 5, 1, tzinfo=UTC)
M5 = Decimal("0.23")


def cents(x: Decimal) -> str:
    return str(x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def monthly(instance_hours: int, price: Decimal = M5) -> str:
    """instance-hours x $/h x 730 h / 48 h of trace."""
    return cents(instance_hours * price * 730 / 48)


def m5(p95_ms: float | None = 100.0, per_hour: float = 600.0) -> Capacity:
    return Capacity("ml.m5.xlarge", per_hour, p95_ms, {"basis": "test"})


def traffic(hourly: list[float]) -> Traffic:
    assert len(hourly) == 48
    return Traffic(START, tuple(hourly))


def option(plan: dict, name: str, itype: str | None = "ml.m5.xlarge") -> dict:
    (o,) = [o for o in plan["options"] if o["option"] == name and o["instance_type"] == itype]
    return o


def test_steady_traffic_stays_real_time():
    """1,000 requests every hour at 600 per instance-hour: 2 instances all 48 hours =
    96 instance-hours x $0.23 = $22.08 over the trace, x 730 / 48 = $335.80 a month.
    Asynchronous needs the same 96 h (no idle hour to scale to zero): a tie, and real-time
    has fewer moving parts. Batch is not eligible: the busiest 3 hours carry 3/24 = 12.5 %."""
    plan = plan_inference(traffic([1000.0] * 48), [m5()], "us-east-1", slo_p95_ms=200)
    rt = option(plan, "real-time")
    assert rt["instance_hours_observed"] == 96
    assert rt["trace_cost_usd"] == "22.08" and rt["monthly_cost_usd"] == monthly(96) == "335.80"
    # $22.08 / 48,000 requests x 1,000
    assert rt["usd_per_1000_requests"] == "0.460000"
    assert option(plan, "asynchronous")["monthly_cost_usd"] == "335.80"
    assert option(plan, "batch-transform")["eligible"] is False
    assert plan["recommended"] == {
        "option": "real-time",
        "instance_type": "ml.m5.xlarge",
        "monthly_cost_usd": "335.80",
    }


def test_diurnal_traffic_autoscales():
    """09:00-16:59 at 1,500/h (3 instances), the other hours 100/h (1). Scale-in waits an
    hour, so 17:00 still runs 3: a day is 8 x 3 + 3 + 15 x 1 = 42 instance-hours, two days
    84 = 84 x $0.23 x 730 / 48 = $293.825 -> $293.83 a month. A fixed fleet for the peak
    would run 3 x 48 = 144 h ($503.75): the replay is what saves it."""
    day = [1500.0 if 9 <= h < 17 else 100.0 for h in range(24)]
    plan = plan_inference(traffic(day * 2), [m5()], "us-east-1", slo_p95_ms=200)
    rt = option(plan, "real-time")
    assert rt["instance_hours_observed"] == 84 and rt["peak_instances"] == 3
    assert rt["monthly_cost_usd"] == monthly(84) == "293.83"
    assert plan["recommended"]["option"] == "real-time"


def nightly() -> list[float]:
    """6,000 requests an hour 01:00-03:59, nothing otherwise (a nightly bulk job)."""
    return [6000.0 if h % 24 in (1, 2, 3) else 0.0 for h in range(48)]


def test_nightly_bulk_without_slo_is_batch_transform():
    """10 instances (6,000 / 600) at 01-03 and 04 (scale-in lag):
    real-time (min 1): 4 x 10 + 20 x 1 = 60 a day, 120 h -> 120 x 0.23 x 730 / 48 = $419.75;
    asynchronous (min 0): 40 a day, 80 h -> $279.83 (279.833...);
    batch, one job a day: ceil(18,000 / 600) = 30 a day, 60 h -> $209.875 -> $209.88.
    No SLO: batch is the cheapest, and the others say by how much."""
    plan = plan_inference(traffic(nightly()), [m5()], "us-east-1")
    assert option(plan, "real-time")["monthly_cost_usd"] == monthly(120) == "419.75"
    assert option(plan, "asynchronous")["monthly_cost_usd"] == monthly(80) == "279.83"
    batch = option(plan, "batch-transform")
    assert batch["eligible"] is True and batch["share_of_requests_in_busiest_hours"] == 1.0
    assert batch["monthly_cost_usd"] == monthly(60) == "209.88"
    assert plan["recommended"]["option"] == "batch-transform"
    # 279.833 - 209.875 = 69.958 -> $69.96 more
    assert option(plan, "asynchronous")["verdict"] == (
        "rejected: $279.83 a month, $69.96 more than batch-transform on ml.m5.xlarge"
    )


def test_nightly_bulk_with_slo_must_stay_real_time():
    """With a 200 ms p95 SLO: batch answers in hours, asynchronous starts from zero
    instances twice (day 1 and day 2 at 01:00), so real-time at $419.75 is what meets it."""
    plan = plan_inference(traffic(nightly()), [m5()], "us-east-1", slo_p95_ms=200)
    assert plan["recommended"]["option"] == "real-time"
    assert plan["recommended"]["monthly_cost_usd"] == "419.75"
    a = option(plan, "asynchronous")
    assert a["cold_starts"] == 2 and a["meets_slo"] is False
    assert "scale-up(s) from zero" in a["verdict"]
    assert option(plan, "batch-transform")["meets_slo"] is False


def sparse() -> list[float]:
    """100 requests in six scattered hours (05, 11, 20, then 06, 14, 20 of day 2)."""
    busy = {5, 11, 20, 30, 38, 44}
    return [100.0 if h in busy else 0.0 for h in range(48)]


def test_sparse_traffic_scales_to_zero():
    """Real-time keeps one instance all 48 h: 48 x 0.23 x 730 / 48 = $167.90. Asynchronous
    runs each busy hour and the one after: 12 h -> $41.975 -> $41.98. Batch is not eligible
    (the busiest 3 hours of the day hold 400 of 600 requests, 67 % < 90 %). Serverless is
    shown with its 6 cold starts, unpriced, never recommended."""
    plan = plan_inference(traffic(sparse()), [m5()], "us-east-1")
    assert option(plan, "real-time")["monthly_cost_usd"] == monthly(48) == "167.90"
    a = option(plan, "asynchronous")
    assert a["instance_hours_observed"] == 12 and a["monthly_cost_usd"] == monthly(12) == "41.98"
    assert option(plan, "batch-transform")["eligible"] is False
    serverless = option(plan, "serverless", None)
    assert serverless["monthly_cost_usd"] is None
    assert serverless["cold_starts_after_idle_hours"] == 6
    assert plan["recommended"]["option"] == "asynchronous"


def test_a_measured_accelerator_sits_beside_the_gpu_with_its_own_throughput():
    """Steady 1,000/h. g5.xlarge benched at 1,200/h per instance, p95 90 ms: 1 instance x 48 h x $1.4084 x 730 / 48 = $1,028.13; inf2.xlarge benched at
    600/h, p95 150 ms: 2 x 48 h x $0.99 x 730 / 48 = $1,445.40. Each type costs what its
    own measured throughput needs; the cheaper one is recommended."""
    caps = [
        Capacity("ml.g5.xlarge", 1200.0, 90.0, {"basis": "bench"}),
        Capacity("ml.inf2.xlarge", 600.0, 150.0, {"basis": "bench"}),
    ]
    plan = plan_inference(traffic([1000.0] * 48), caps, "us-east-1", slo_p95_ms=200)
    assert (
        option(plan, "real-time", "ml.g5.xlarge")["monthly_cost_usd"]
        == cents(48 * Decimal("1.4084") * 730 / 48)
        == "1028.13"
    )
    assert (
        option(plan, "real-time", "ml.inf2.xlarge")["monthly_cost_usd"]
        == cents(96 * Decimal("0.99") * 730 / 48)
        == "1445.40"
    )
    assert plan["recommended"]["instance_type"] == "ml.g5.xlarge"


def test_bench_runs_give_the_fastest_level_within_the_slo():
    """Two levels of one g5 run on 2 instances: 20 req/s at p95 150 ms and 30 req/s at
    p95 400 ms. Within a 200 ms SLO the capacity is 20 x 3600 / 2 = 36,000 per
    instance-hour; without an SLO it is 30 x 3600 / 2 = 54,000. A level with 5 % errors
    does not count."""
    run = {
        "run_id": "bench-1",
        "mode": "open",
        "levels": [
            {"load": 20, "error_rate": 0.0, "latency_ms": {"p95": 150.0}},
            {"load": 30, "error_rate": 0.0, "latency_ms": {"p95": 400.0}},
            {"load": 40, "error_rate": 0.05, "latency_ms": {"p95": 100.0}},
        ],
        "costs": [
            {"instance_type": "ml.g5.xlarge", "instances": 2, "load": load, "req_per_s": rps}
            for load, rps in ((20, "20.0"), (30, "30.0"), (40, "38.0"))
        ],
    }
    within = capacities_from_bench([run], 200.0)["ml.g5.xlarge"]
    assert (within.per_instance_hour, within.p95_ms) == (36_000.0, 150.0)
    assert within.source["bench_run"] == "bench-1"
    assert capacities_from_bench([run], None)["ml.g5.xlarge"].per_instance_hour == 54_000.0
    # nothing within 100 ms: the lowest-p95 level is kept, so the type is shown and rejected
    assert capacities_from_bench([run], 100.0)["ml.g5.xlarge"].p95_ms == 150.0


def test_latency_not_measured_is_never_recommended_under_an_slo():
    """Capacity observed from the endpoint's own peak has no latency: with an SLO it is
    shown, priced, and rejected as not measured; without one it is recommended."""
    observed = m5(p95_ms=None)
    plan = plan_inference(traffic([1000.0] * 48), [observed], "us-east-1", slo_p95_ms=200)
    assert plan["recommended"] is None
    assert "not measured" in option(plan, "real-time")["verdict"]
    assert plan["warnings"] == ["no priced option meets the SLO"]
    plan = plan_inference(traffic([1000.0] * 48), [observed], "us-east-1")
    assert plan["recommended"]["option"] == "real-time"


# ------------------------------------------------------------------------ properties

TYPES = ("ml.m5.xlarge", "ml.c5.xlarge", "ml.g5.xlarge", "ml.inf2.xlarge", "ml.g4dn.xlarge")
hourly = st.lists(
    st.one_of(st.just(0.0), st.floats(min_value=1, max_value=50_000)), min_size=1, max_size=72
)
capacity = st.builds(
    Capacity,
    st.sampled_from(TYPES),
    st.floats(min_value=10, max_value=20_000),
    st.one_of(st.none(), st.floats(min_value=1, max_value=1000)),
    st.just({"basis": "property"}),
)


@settings(max_examples=150, deadline=None)
@given(
    hourly=hourly,
    caps=st.lists(capacity, min_size=1, max_size=4, unique_by=lambda c: c.instance_type),
    slo=st.one_of(st.none(), st.floats(min_value=5, max_value=800)),
    hour=st.integers(0, 23),
)
def test_properties(hourly, caps, slo, hour):
    """For any trace, candidates and SLO: options are listed cheapest first (a cheaper option
    never shows a higher figure than a dearer one), every priced option that meets the SLO
    costs at least the recommended one, and the recommendation meets the SLO with a measured
    p95 within it."""
    if not any(hourly):
        hourly = [*hourly, 1.0]
    t = Traffic(START.replace(hour=hour), tuple(hourly))
    plan = plan_inference(t, caps, "us-east-1", slo_p95_ms=slo)
    priced = [Decimal(o["monthly_cost_usd"]) for o in plan["options"] if o["monthly_cost_usd"]]
    assert priced == sorted(priced)
    unpriced_at = [i for i, o in enumerate(plan["options"]) if o["monthly_cost_usd"] is None]
    assert all(i >= len(priced) for i in unpriced_at)  # unpriced last, never as $0
    rec = plan["recommended"]
    ok = [
        o
        for o in plan["options"]
        if o["monthly_cost_usd"] and o.get("eligible", True) and o["meets_slo"] is True
    ]
    if rec is None:
        assert ok == []
        return
    chosen = option(plan, rec["option"], rec["instance_type"])
    assert all(Decimal(o["monthly_cost_usd"]) >= Decimal(rec["monthly_cost_usd"]) for o in ok)
    assert chosen["meets_slo"] is True and chosen["option"] != "serverless"
    if slo is not None:
        p95 = next(c.p95_ms for c in caps if c.instance_type == rec["instance_type"])
        assert p95 is not None and p95 <= slo
        assert rec["option"] != "batch-transform"
        if rec["option"] == "asynchronous":
            assert chosen["cold_starts"] == 0
    # a dearer option's verdict never claims it is cheaper than the recommendation
    for o in plan["options"]:
        if o is not chosen and "more than" in o["verdict"]:
            assert Decimal(o["monthly_cost_usd"]) >= Decimal(rec["monthly_cost_usd"])


@pytest.mark.parametrize("factor", [2.0, 10.0])
def test_more_traffic_never_costs_less_in_real_time(factor):
    """The same diurnal shape at `factor` times the volume needs at least as many
    instance-hours (the replay is monotonic in the requests)."""
    day = [1500.0 if 9 <= h < 17 else 100.0 for h in range(24)] * 2
    base = option(plan_inference(traffic(day), [m5()], "us-east-1"), "real-time")
    more = option(
        plan_inference(traffic([v * factor for v in day]), [m5()], "us-east-1"), "real-time"
    )
    assert Decimal(more["monthly_cost_usd"]) > Decimal(base["monthly_cost_usd"])


def test_a_peak_past_the_fleet_bound_is_not_silently_undersized():
    """The replay caps a fleet at 1,000,000 instances. 1e12 requests in the peak hour at 600
    per instance-hour need ceil(1e12 / 600) = 1,666,666,667 instances: capped, real-time was
    priced for 1,000,000 (serving 6e8 of the 1e12 requests) and recommended over the
    correctly sized batch job. Such a type is now left out, saying why; the m5 with a
    look-alike peak it can serve (1e8 requests: 166,667 instances) is kept."""
    big = Capacity("ml.g5.xlarge", 600.0, 100.0, {"basis": "test"})
    fast = Capacity("ml.m5.xlarge", 600.0 * 10_000, 100.0, {"basis": "test"})
    plan = plan_inference(traffic([1e12] + [0.0] * 47), [big, fast], "us-east-1")
    assert {o["instance_type"] for o in plan["options"]} == {"ml.m5.xlarge", None}
    assert any("ml.g5.xlarge" in w and "1,666,666,667" in w for w in plan["warnings"])
    ok = plan_inference(traffic([1e8] + [0.0] * 47), [big], "us-east-1")
    assert option(ok, "real-time", "ml.g5.xlarge")["peak_instances"] == 166_667


def test_no_type_can_serve_the_peak_is_a_user_error():
    """1e30 requests in an hour: every type is past the bound, so no plan (it crashed in
    Decimal: 1.7e27 instance-hours priced past 28 digits)."""
    from mlcost.errors import UserError

    with pytest.raises(UserError, match="1,000,000 instances"):
        plan_inference(traffic([1e30] + [0.0] * 47), [m5()], "us-east-1")


def test_a_trace_shorter_than_a_day_cannot_make_batch_eligible():
    """3 hours of steady traffic have 100 % of their requests in "the busiest 3 hours":
    that is no evidence of a daily bulk, so batch is not eligible and real-time (2 instances
    x 3 h = 6 instance-hours x $0.23 x 730 / 3 = $335.80 a month) is recommended."""
    plan = plan_inference(Traffic(START, (1000.0,) * 3), [m5()], "us-east-1")
    batch = option(plan, "batch-transform")
    assert batch["eligible"] is False
    assert "less than a day" in batch["verdict"]
    assert plan["recommended"]["option"] in ("real-time", "asynchronous")
    assert plan["recommended"]["monthly_cost_usd"] == cents(6 * M5 * 730 / 3) == "335.80"
