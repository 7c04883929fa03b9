"""Cost Explorer over cost lines the demo and tests record (moto 5.2.5 tracks no cost: its
GetCostAndUsage answers from a queue of canned results, and it lacks
GetSavingsPlansCoverage).

:func:`record_cost` adds hourly cost lines (service, instance type, record type, dollars);
:func:`set_coverage` the account's Savings Plans coverage; :func:`enable_hourly` turns on
hourly granularity, which AWS keeps off until the account opts in (Cost Explorer
preferences). AWS's rules kept: HOURLY needs that opt-in and a start within the last 14
days (AWS: ValidationException "start date is too old for hourly, the max supported days for
hourly granularity is 14 days"; the opt-in's refusal is answered as DataUnavailableException);
HOURLY periods are ``YYYY-MM-DDThh:mm:ssZ``, DAILY / MONTHLY ``YYYY-MM-DD``; End is
exclusive; Filter takes Dimensions and And (SERVICE, RECORD_TYPE, INSTANCE_TYPE); GroupBy
at most two DIMENSION keys.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from moto.ce.models import ce_backends
from moto.ce.responses import CostExplorerResponse
from moto.core.exceptions import JsonRESTError

_LINES = "_mlcost_cost_lines"
_COVERAGE = "_mlcost_sp_coverage"
_HOURLY = "_mlcost_hourly_enabled"
HOURLY_DAYS = 14
_DIMENSION = {"SERVICE": "service", "INSTANCE_TYPE": "instance_type", "RECORD_TYPE": "record_type"}


def _backend(account_id: str) -> Any:
    return ce_backends[account_id]["aws"]


def record_cost(
    account_id: str,
    *,
    hour: datetime,
    service: str,
    amount: float | Decimal,
    instance_type: str = "NoInstanceType",
    record_type: str = "Usage",
) -> None:
    """One hour of cost as Cost Explorer would have it (UnblendedCost, USD)."""
    hour = hour if hour.tzinfo else hour.replace(tzinfo=UTC)
    _backend(account_id).__dict__.setdefault(_LINES, []).append(
        {
            "hour": hour.replace(minute=0, second=0, microsecond=0),
            "service": service,
            "instance_type": instance_type,
            "record_type": record_type,
            "amount": Decimal(str(amount)),
        }
    )


def set_coverage(account_id: str, covered: float, on_demand: float) -> None:
    """The Savings Plans coverage GetSavingsPlansCoverage reports for the account."""
    _backend(account_id).__dict__[_COVERAGE] = (Decimal(str(covered)), Decimal(str(on_demand)))


def enable_hourly(account_id: str) -> None:
    _backend(account_id).__dict__[_HOURLY] = True


def _time(value: str, hourly: bool) -> datetime:
    if hourly:
        if "T" not in value:
            raise JsonRESTError(
                "ValidationException", "Hourly periods need a time: YYYY-MM-DDThh:mm:ssZ"
            )
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _matches(line: dict[str, Any], expr: dict[str, Any] | None) -> bool:
    if not expr:
        return True
    if "And" in expr:
        return all(_matches(line, e) for e in expr["And"])
    if "Or" in expr:
        return any(_matches(line, e) for e in expr["Or"])
    if "Not" in expr:
        return not _matches(line, expr["Not"])
    dims = expr.get("Dimensions")
    if dims:
        field = _DIMENSION.get(dims["Key"])
        if field is None:
            raise JsonRESTError("ValidationException", f"dimension {dims['Key']} not emulated")
        return line[field] in dims.get("Values", [])
    return True


def _periods(start: datetime, end: datetime, granularity: str) -> list[tuple[datetime, datetime]]:
    out = []
    t = start
    while t < end:
        if granularity == "HOURLY":
            nxt = t + timedelta(hours=1)
        elif granularity == "DAILY":
            nxt = t + timedelta(days=1)
        else:
            nxt = datetime(t.year + (t.month == 12), t.month % 12 + 1, 1, tzinfo=UTC)
        nxt = min(nxt, end)
        out.append((t, nxt))
        t = nxt
    return out


def _fmt(t: datetime, hourly: bool) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ") if hourly else t.strftime("%Y-%m-%d")


def _money(amount: Decimal) -> dict[str, str]:
    return {"Amount": str(amount), "Unit": "USD"}


def _get_cost_and_usage(self: CostExplorerResponse) -> str:
    params = json.loads(self.body or "{}")
    backend = self.ce_backend
    granularity = params.get("Granularity", "MONTHLY")
    hourly = granularity == "HOURLY"
    start = _time(params["TimePeriod"]["Start"], hourly)
    end = _time(params["TimePeriod"]["End"], hourly)
    if hourly:
        if not backend.__dict__.get(_HOURLY):
            raise JsonRESTError(
                "DataUnavailableException",
                "Hourly granularity is not enabled for this account (Cost Explorer preferences)",
            )
        if start.date() < (datetime.now(UTC) - timedelta(days=HOURLY_DAYS)).date():
            raise JsonRESTError(
                "ValidationException",
                "start date is too old for hourly, the max supported days for hourly "
                "granularity is 14 days",
            )
    group_keys = [g["Key"] for g in params.get("GroupBy") or []]
    if len(group_keys) > 2:
        raise JsonRESTError("ValidationException", "GroupBy takes at most two keys")
    lines = [
        ln
        for ln in backend.__dict__.get(_LINES, [])
        if start <= ln["hour"] < end and _matches(ln, params.get("Filter"))
    ]
    results = []
    for first, stop in _periods(start, end, granularity):
        inside = [ln for ln in lines if first <= ln["hour"] < stop]
        row: dict[str, Any] = {
            "TimePeriod": {"Start": _fmt(first, hourly), "End": _fmt(stop, hourly)},
            "Total": {},
            "Groups": [],
            "Estimated": stop > datetime.now(UTC) - timedelta(days=1),
        }
        if group_keys:
            sums: dict[tuple[str, ...], Decimal] = defaultdict(Decimal)
            for ln in inside:
                sums[tuple(ln[_DIMENSION[k]] for k in group_keys)] += ln["amount"]
            row["Groups"] = [
                {"Keys": list(k), "Metrics": {"UnblendedCost": _money(v)}}
                for k, v in sorted(sums.items())
            ]
        else:
            row["Total"] = {
                "UnblendedCost": _money(sum((ln["amount"] for ln in inside), Decimal(0)))
            }
        results.append(row)
    return json.dumps({"ResultsByTime": results, "DimensionValueAttributes": []})


def _get_savings_plans_coverage(self: CostExplorerResponse) -> str:
    params = json.loads(self.body or "{}")
    covered, on_demand = self.ce_backend.__dict__.get(_COVERAGE, (Decimal(0), Decimal(0)))
    total = covered + on_demand
    percent = (covered / total * 100) if total else Decimal(0)
    period = params["TimePeriod"]
    body = {
        "SavingsPlansCoverages": [
            {
                "Attributes": {},
                "Coverage": {
                    "SpendCoveredBySavingsPlans": str(covered),
                    "OnDemandCost": str(on_demand),
                    "TotalCost": str(total),
                    "CoveragePercentage": str(percent.quantize(Decimal("0.01"))),
                },
                "TimePeriod": {"Start": period["Start"], "End": period["End"]},
            }
        ]
    }
    return json.dumps(body)


_APPLIED: list[bool] = []


def apply() -> None:
    """Install the Cost Explorer calls on moto's responses (idempotent)."""
    if _APPLIED:
        return
    CostExplorerResponse.get_cost_and_usage = _get_cost_and_usage
    CostExplorerResponse.get_savings_plans_coverage = _get_savings_plans_coverage
    _APPLIED.append(True)
