"""`mlcost plan inference`: which way of hosting a model costs least for a traffic trace,
within a latency objective.

Every option is the trace replayed hour by hour (:mod:`mlcost.inference_options`, the same
replay the ``endpoint-inference-type`` check prices) at a per-instance throughput, priced at
the catalogue's hourly rate:

* real-time with target-tracking autoscaling (at least one instance), per instance type;
* asynchronous with scale-to-zero (no instance in hours without requests), per type;
* batch transform, one job a day, per type, when the traffic comes in scheduled bulks;
* serverless: shown with its cold starts and eligibility, but unpriced (the catalogue has no
  serverless price, ../shared/data/prices/README.md section 3), so never recommended.

The throughput of a type is measured, never assumed: the highest load of a stored
``mlcost bench`` run on that type whose p95 met the objective (so an Inferentia or Trainium
type competes with its own measured figure), else what the endpoint's fleet demonstrably
served in its busiest hour (the checks' rule; its latency is then not known).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mlcost.errors import UserError
from mlcost.inference_options import (
    SERVERLESS_UNPRICED,
    Traffic,
    batch_instance_hours,
    bulk_share,
    priced_option,
    quote,
    replay_target_tracking,
)
from mlcost.model import Usage, usd

#: Among options of equal cost, the one with fewer moving parts first.
PREFERENCE = ("real-time", "asynchronous", "batch-transform", "serverless")
#: A level whose error rate is above this did not really sustain its throughput.
MAX_ERROR_RATE = 0.01
#: No upper bound on the autoscaled fleet: the planner sizes for the trace's peak.
UNBOUNDED = 1_000_000
COLD_START = (
    "scaling up from zero instances takes minutes (a new instance and the model loading), "
    "so the first requests after an idle hour wait that long"
)


@dataclass(frozen=True, slots=True)
class Capacity:
    """What one instance of a type serves: requests per clock hour, and the p95 latency
    measured at that load (None when only observed, not benched)."""

    instance_type: str
    per_instance_hour: float
    p95_ms: float | None
    source: dict[str, Any]


#: Batch transform is judged on daily bulks: a trace must cover at least a day.
HOURS_PER_DAY = 24


def capacities_from_bench(
    runs: list[dict[str, Any]], slo_p95_ms: float | None
) -> dict[str, Capacity]:
    """Per instance type, from stored bench runs: the highest per-instance throughput among
    levels with at most 1% errors and (with an objective) a p95 within it; when no level
    meets the objective, the level with the lowest p95 (so the type is shown, and rejected)."""
    best: dict[str, tuple[bool, float, Capacity]] = {}
    for run in runs:
        levels = {float(level["load"]): level for level in run.get("levels") or []}
        for row in run.get("costs") or []:
            level = levels.get(float(row["load"]))
            rps = float(row.get("req_per_s") or 0)
            if level is None or rps <= 0 or float(level.get("error_rate") or 0) > MAX_ERROR_RATE:
                continue
            p95 = (level.get("latency_ms") or {}).get("p95")
            meets = slo_p95_ms is None or (p95 is not None and p95 <= slo_p95_ms)
            instances = int(row.get("instances") or 1)
            per_hour = rps * 3600 / instances
            cap = Capacity(
                row["instance_type"],
                per_hour,
                p95,
                {
                    "basis": "bench",
                    "bench_run": run.get("run_id"),
                    "recorded_at": str(run.get("recorded_at") or run.get("generated_at") or ""),
                    "load": level["load"],
                    "mode": run.get("mode"),
                    "req_per_s": row.get("req_per_s"),
                    "instances": instances,
                    "p95_ms": p95,
                    "measured_usd_per_1000": row.get("usd_per_1000"),
                    "rule": f"{rps:g} req/s x 3600 / {instances} instance(s)",
                },
            )
            # a level meeting the objective beats one that does not; then throughput, or
            # (among levels that all miss it) the lowest p95
            key = (meets, per_hour if meets else -(p95 if p95 is not None else float("inf")))
            old = best.get(cap.instance_type)
            if old is None or key > (old[0], old[1]):
                best[cap.instance_type] = (key[0], key[1], cap)
    return {t: cap for t, (_, _, cap) in best.items()}


def observed_capacity(traffic: Traffic, instance_type: str, instance_count: int) -> Capacity:
    """The checks' rule: the busiest hour's requests / the deployed instance count."""
    per_hour = traffic.peak / max(instance_count, 1)
    return Capacity(
        instance_type,
        per_hour,
        None,
        {
            "basis": "observed",
            "rule": f"busiest hour {traffic.peak:g} requests / {instance_count} instance(s)",
            "note": "latency not measured: run `mlcost bench` on this type to judge the SLO",
        },
    )


def _slo_verdict(cap: Capacity, slo: float | None) -> tuple[bool | None, str | None]:
    if slo is None:
        return True, None
    if cap.p95_ms is None:
        return None, f"p95 latency on {cap.instance_type} not measured (no bench run)"
    if cap.p95_ms > slo:
        return False, (
            f"measured p95 {cap.p95_ms:g} ms on {cap.instance_type} is over the {slo:g} ms SLO"
        )
    return True, None


def _cold_starts(fleet: list[int]) -> int:
    """Hours that start instances from none (after an idle stretch within the trace)."""
    return sum(1 for i in range(1, len(fleet)) if fleet[i] > 0 and fleet[i - 1] == 0)


def _priced(
    name: str,
    itype: str,
    usage: Usage,
    hours: int,
    traffic: Traffic,
    region: str,
    **extra: Any,
) -> dict[str, Any]:
    """An option priced through the check's own costing, plus the cost over the trace and
    per 1,000 requests."""
    window = Decimal(traffic.hours)
    o = priced_option(
        name, hours, quote(itype, region, usage), window, instance_type=itype, **extra
    )
    if o.get("_monthly") is not None:
        trace_cost = Decimal(o["price"]["usd_per_hour"]) * hours
        o["trace_cost_usd"] = str(usd(trace_cost))
        o["usd_per_1000_requests"] = str(
            (trace_cost / Decimal(repr(traffic.total)) * 1000).quantize(Decimal("0.000001"))
        )
    return o


@dataclass(frozen=True, slots=True)
class _Replay:
    """What every option of one plan shares: the traffic, region, SLO and the settings."""

    traffic: Traffic
    region: str
    slo: float | None
    lag: int
    bulk: bool
    share: float
    busiest: list[int]
    window_hours: int
    bulk_threshold: float

    def fleet(self, capacity: float, min_capacity: int) -> list[int]:
        return replay_target_tracking(
            self.traffic,
            capacity,
            target=1.0,
            min_capacity=min_capacity,
            max_capacity=UNBOUNDED,
            scale_in_lag_hours=self.lag,
        )


def _realtime(r: _Replay, cap: Capacity, base: dict[str, Any]) -> dict[str, Any]:
    """Target tracking at the measured capacity, never below one instance."""
    fleet = r.fleet(cap.per_instance_hour, 1)
    o = _priced(
        "real-time", cap.instance_type, Usage.HOSTING, sum(fleet), r.traffic, r.region,
        **base, peak_instances=max(fleet, default=0),
    )  # fmt: skip
    verdict, why = _slo_verdict(cap, r.slo)
    o.update(meets_slo=verdict, _why=why)
    return o


def _asynchronous(r: _Replay, cap: Capacity, base: dict[str, Any]) -> dict[str, Any]:
    """The same policy down to zero instances; under an SLO a scale-up from zero misses it."""
    fleet = r.fleet(cap.per_instance_hour, 0)
    cold = _cold_starts(fleet)
    o = _priced(
        "asynchronous", cap.instance_type, Usage.ASYNC_INFERENCE, sum(fleet), r.traffic,
        r.region, **base, cold_starts=cold,
        constraints="payload <= 1 GB, processing <= 15 min; answers through S3",
    )  # fmt: skip
    if r.slo is not None and cold:
        o.update(meets_slo=False, _why=f"{cold} scale-up(s) from zero: {COLD_START}")
    else:
        verdict, why = _slo_verdict(cap, r.slo)
        o.update(meets_slo=verdict, _why=why)
    return o


def _batch(r: _Replay, cap: Capacity, base: dict[str, Any]) -> dict[str, Any]:
    """One job a day; only for traffic in scheduled bulks, never under a p95 SLO."""
    o = _priced(
        "batch-transform", cap.instance_type, Usage.BATCH_TRANSFORM,
        batch_instance_hours(r.traffic, cap.per_instance_hour), r.traffic, r.region, **base,
        eligible=r.bulk, share_of_requests_in_busiest_hours=round(r.share, 3),
        busiest_hours_of_day_utc=r.busiest,
    )  # fmt: skip
    if r.traffic.hours < HOURS_PER_DAY:
        why: str | None = (
            f"the trace covers {r.traffic.hours} h, less than a day: it cannot show traffic "
            "in scheduled daily bulks"
        )
    elif not r.bulk:
        why = (
            f"traffic is not in scheduled bulks: {r.share:.0%} of requests in the busiest "
            f"{r.window_hours} hours of the day, under {r.bulk_threshold:.0%}"
        )
    elif r.slo is not None:
        why = "a daily batch job answers in hours, not within a p95 SLO"
    else:
        why = None
    o.update(meets_slo=r.slo is None, _why=why)
    return o


def _serverless(traffic: Traffic) -> dict[str, Any]:
    """Shown with its cold starts; unpriced (no catalogue price), so never recommended."""
    return {
        "option": "serverless",
        "instance_type": None,
        "monthly_cost_usd": None,
        "unpriced": SERVERLESS_UNPRICED,
        "cold_starts_after_idle_hours": _cold_starts([1 if v > 0 else 0 for v in traffic.hourly]),
        "constraints": "1-6 GB memory, no GPU, payload <= 4 MB, 60 s per request",
        "meets_slo": None,
        "_why": "unpriced: " + SERVERLESS_UNPRICED,
    }


def plan_inference(
    traffic: Traffic,
    capacities: list[Capacity],
    region: str,
    *,
    slo_p95_ms: float | None = None,
    scale_in_lag_hours: int = 1,
    batch_window_hours: int = 3,
    batch_bulk_share: float = 0.9,
) -> dict[str, Any]:
    """Every option's cost for ``traffic``, whether it meets the objective, the cheapest that
    does, and why each other one was not chosen. Pure: prices come from the catalogue."""
    share, busiest = bulk_share(traffic, batch_window_hours)
    # a trace shorter than a day has every request in its "busiest hours": no daily bulk
    bulk = share >= batch_bulk_share and traffic.hours >= HOURS_PER_DAY
    r = _Replay(
        traffic, region, slo_p95_ms, scale_in_lag_hours, bulk, share,
        busiest, batch_window_hours, batch_bulk_share,
    )  # fmt: skip
    options: list[dict[str, Any]] = []
    capacities, beyond = _within_bound(traffic, capacities)
    for cap in capacities:
        base = {
            "capacity_per_instance_hour": round(cap.per_instance_hour, 3),
            "capacity": cap.source,
        }
        options += [_realtime(r, cap, base), _asynchronous(r, cap, base), _batch(r, cap, base)]
    options.append(_serverless(traffic))
    plan = _choose(traffic, options, slo_p95_ms, region)
    plan["warnings"] = beyond + plan["warnings"]
    return plan


def _within_bound(traffic: Traffic, capacities: list[Capacity]) -> tuple[list[Capacity], list[str]]:
    """The types whose fleet for the trace's peak hour fits the replay's bound, and a warning
    for each other one: capped, its fleet would be priced for a fraction of the requests (so
    look cheap), and a huge figure would overflow the dollars. None left is a UserError."""
    kept: list[Capacity] = []
    warnings: list[str] = []
    for cap in capacities:
        need = traffic.peak / cap.per_instance_hour
        if need <= UNBOUNDED:
            kept.append(cap)
        else:
            warnings.append(
                f"{cap.instance_type} left out: the busiest hour's {traffic.peak:,.0f} requests "
                f"at {cap.per_instance_hour:,.1f} per instance-hour need {math.ceil(need):,} "
                f"instances, more than {UNBOUNDED:,}"
            )
    if capacities and not kept:
        raise UserError(
            f"no instance type can serve the trace's busiest hour ({traffic.peak:,.0f} "
            f"requests) with at most {UNBOUNDED:,} instances",
            "check the trace's counts (each is the requests in its period)",
        )
    return kept, warnings


def _rank(o: dict[str, Any]) -> tuple[Any, ...]:
    cost = o.get("_monthly")
    return (cost is None, cost or 0, PREFERENCE.index(o["option"]), o.get("instance_type") or "")


def _choose(
    traffic: Traffic, options: list[dict[str, Any]], slo: float | None, region: str
) -> dict[str, Any]:
    options.sort(key=_rank)
    ok = [
        o
        for o in options
        if o.get("_monthly") is not None and o.get("eligible", True) and o["meets_slo"] is True
    ]
    best = ok[0] if ok else None
    for o in options:
        if o is best:
            o["verdict"] = "recommended"
        elif o.get("_monthly") is None:
            o["verdict"] = "rejected: " + (
                o["_why"] if o["option"] == "serverless" else f"unpriced: {o.get('unpriced')}"
            )
        elif o["_why"] is not None:
            o["verdict"] = "rejected: " + o["_why"]
        elif best is not None:
            more = o["_monthly"] - best["_monthly"]
            o["verdict"] = (
                f"rejected: ${usd(o['_monthly'])} a month, ${usd(more)} more than "
                f"{best['option']} on {best['instance_type']}"
            )
        else:
            o["verdict"] = "rejected"
    warnings: list[str] = []
    if best is None:
        warnings.append(
            "no priced option meets the SLO" if slo is not None else "no option could be priced"
        )
    return {
        "region": region,
        "slo_p95_ms": slo,
        "traffic": {
            "start": traffic.start.isoformat(),
            "hours": traffic.hours,
            "total_requests": round(traffic.total),
            "peak_hour_requests": round(traffic.peak),
            "hours_with_requests": traffic.active_hours,
        },
        "cost_rule": "instance-hours x catalogue $/h; monthly = trace cost x 730 h / trace hours",
        "recommended": None
        if best is None
        else {
            "option": best["option"],
            "instance_type": best["instance_type"],
            "monthly_cost_usd": best["monthly_cost_usd"],
        },
        "options": [{k: v for k, v in o.items() if not k.startswith("_")} for o in options],
        "warnings": warnings,
    }
