"""The account itself as a resource kind: its AWS Budgets and its Cost Explorer spend.

Why a kind: ``no-budget`` and ``savings-plan`` judge the account, not a resource in a
region. The kind lists one item, the account STS named (``AccountListing``), in the first
region scanned only (``global_service``: Budgets and Cost Explorer are global APIs), and
every read is an enrichment that runs only when a selected check needs its label - Cost
Explorer bills $0.01 a request, so a scan of endpoints never calls it.

Reads (docs/CONTRACTS.md, "The account kind"):

* ``Budgets``: Budgets DescribeBudgets (AccountId, 1,000 a page).
* ``MonthlyMlSpend``: Cost Explorer GetCostAndUsage, MONTHLY, UnblendedCost, SERVICE =
  Amazon SageMaker, the last ``HISTORY_MONTHS`` whole months and the month in progress.
* ``OnDemandSpend``: GetCostAndUsage HOURLY over the window's last 14 days (AWS keeps hourly
  data 14 days, and only where hourly granularity is enabled), SERVICE = Amazon SageMaker
  and RECORD_TYPE = Usage (on-demand usage no plan covered), grouped by INSTANCE_TYPE;
  refused -> DAILY over the window, each day spread over 24 hours, and the note says so.
* ``SavingsPlansCoverage``: GetSavingsPlansCoverage over the window, SERVICE = SageMaker.
* ``SavingsPlansRates``: Savings Plans DescribeSavingsPlansOfferingRates (a global API) for
  the SageMaker plan, the instance types the
  on-demand series shows and the account's region, every term and payment option (the check
  picks its own): one paginated call, none when the series shows no instance type.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from mlcost.instance_types import family
from mlcost.model import (
    Account,
    AccountBudget,
    MetricLabel,
    MonthlySpend,
    OfferingRate,
    OfferingRates,
    Resource,
    ResourceKind,
    SpendSeries,
)
from mlcost.sources.aws.descriptors import (
    AccountListing,
    Enrichment,
    KindSpec,
    RegionContext,
    Tagging,
)
from mlcost.sources.aws.kinds import register

#: Cost Explorer's and Budgets' SERVICE value (``billing.budget.SERVICE_FILTER`` too).
SAGEMAKER = "Amazon SageMaker"
#: Whole months of history read before the month in progress.
HISTORY_MONTHS = 6
#: Cost Explorer keeps hourly granularity data for the last 14 days.
HOURLY_RETENTION_DAYS = 14
BUDGETS_PAGE = 1000  # DescribeBudgets MaxResults: 1..1000
RATES_PAGE = 1000  # DescribeSavingsPlansOfferingRates maxResults: 0..1000


def build_account(ctx: RegionContext, item: dict[str, Any]) -> Account:
    account = item["AccountId"]
    return Account(
        kind=ResourceKind.ACCOUNT,
        id=account,
        arn=f"arn:{ctx.partition}:iam::{account}:root",
        region=ctx.region,
    )


def _accounts(resources: list[Resource]) -> list[Account]:
    return [r for r in resources if isinstance(r, Account)]


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        return None


def budget_from_aws(raw: dict[str, Any]) -> AccountBudget:
    """One DescribeBudgets entry as the check reads it."""
    limit = raw.get("BudgetLimit") or {}
    return AccountBudget(
        name=raw.get("BudgetName", ""),
        budget_type=raw.get("BudgetType", ""),
        time_unit=raw.get("TimeUnit", ""),
        limit_usd=_decimal(limit.get("Amount")) if limit.get("Unit") == "USD" else None,
        cost_filters={k: list(v) for k, v in (raw.get("CostFilters") or {}).items()},
        filter_expression=raw.get("FilterExpression"),
    )


def read_budgets(ctx: RegionContext, resources: list[Resource]) -> None:
    for account in _accounts(resources):
        try:
            pages = ctx.client("budgets").get_paginator("describe_budgets")
            budgets: list[AccountBudget] = []
            for page in pages.paginate(
                AccountId=account.id, PaginationConfig={"PageSize": BUDGETS_PAGE}
            ):
                budgets += [budget_from_aws(b) for b in page.get("Budgets", [])]
            account.budgets = budgets
        except Exception as exc:
            if _code(exc) == "NotFoundException":  # AWS's answer for an account with none
                account.budgets = []
            else:
                ctx.error("budgets", "DescribeBudgets", exc)


def _code(exc: BaseException) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def _cost_and_usage(ce: Any, **params: Any) -> list[dict[str, Any]]:
    """Every ResultsByTime entry of a GetCostAndUsage (NextPageToken followed)."""
    results: list[dict[str, Any]] = []
    token = None
    while True:
        response = ce.get_cost_and_usage(**params, **({"NextPageToken": token} if token else {}))
        results += response.get("ResultsByTime", [])
        token = response.get("NextPageToken")
        if not token:
            return results


def _service(name: str) -> dict[str, Any]:
    return {"Dimensions": {"Key": "SERVICE", "Values": [name]}}


def _month_start(day: datetime, back: int) -> datetime:
    index = day.year * 12 + day.month - 1 - back
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def read_monthly_spend(ctx: RegionContext, resources: list[Resource]) -> None:
    end = ctx.window.end
    start = _month_start(end, HISTORY_MONTHS)
    last = end.date() + timedelta(days=1)  # End is exclusive: include today
    for account in _accounts(resources):
        try:
            rows = _cost_and_usage(
                ctx.client("ce"),
                TimePeriod={"Start": start.date().isoformat(), "End": last.isoformat()},
                Granularity="MONTHLY",
                Metrics=["UnblendedCost"],
                Filter=_service(SAGEMAKER),
            )
        except Exception as exc:
            ctx.error("ce", "GetCostAndUsage", exc)
            continue
        spend = []
        for row in rows:
            period = row["TimePeriod"]
            first = datetime.fromisoformat(period["Start"]).date()
            stop = datetime.fromisoformat(period["End"]).date()
            amount = _decimal(row.get("Total", {}).get("UnblendedCost", {}).get("Amount"))
            if amount is None:
                continue
            spend.append(
                MonthlySpend(
                    service=SAGEMAKER,
                    month=f"{first.year:04d}-{first.month:02d}",
                    amount_usd=amount,
                    days=(stop - first).days,
                    days_in_month=calendar.monthrange(first.year, first.month)[1],
                    estimated=bool(row.get("Estimated")),
                )
            )
        account.monthly_spend = spend


def _on_demand_filter() -> dict[str, Any]:
    return {
        "And": [
            _service(SAGEMAKER),
            {"Dimensions": {"Key": "RECORD_TYPE", "Values": ["Usage"]}},
        ]
    }


def _hourly(ce: Any, start: datetime, end: datetime) -> list[dict[str, Any]]:
    fmt = "%Y-%m-%dT%H:00:00Z"
    return _cost_and_usage(
        ce,
        TimePeriod={"Start": start.strftime(fmt), "End": end.strftime(fmt)},
        Granularity="HOURLY",
        Metrics=["UnblendedCost"],
        Filter=_on_demand_filter(),
        GroupBy=[{"Type": "DIMENSION", "Key": "INSTANCE_TYPE"}],
    )


def _daily(ce: Any, start: datetime, end: datetime) -> list[dict[str, Any]]:
    return _cost_and_usage(
        ce,
        TimePeriod={"Start": start.date().isoformat(), "End": end.date().isoformat()},
        Granularity="DAILY",
        Metrics=["UnblendedCost"],
        Filter=_on_demand_filter(),
        GroupBy=[{"Type": "DIMENSION", "Key": "INSTANCE_TYPE"}],
    )


def spend_series(rows: list[dict[str, Any]], granularity: str, note: str = "") -> SpendSeries:
    """Cost Explorer rows (grouped by INSTANCE_TYPE) as dollars per hour per family.

    Usage without an ``ml.`` instance type (storage, data processed) is left out: a
    SageMaker Savings Plan covers instance usage only. DAILY rows become 24 equal hours.
    """
    hours: list[datetime] = []
    by_family: dict[str, dict[datetime, Decimal]] = {}
    types: set[str] = set()
    for row in rows:
        start = datetime.fromisoformat(row["TimePeriod"]["Start"].replace("Z", "+00:00"))
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        span = 24 if granularity == "DAILY" else 1
        slots = [start + timedelta(hours=h) for h in range(span)]
        hours += slots
        for group in row.get("Groups", []):
            itype = (group.get("Keys") or [""])[0]
            amount = _decimal(group.get("Metrics", {}).get("UnblendedCost", {}).get("Amount"))
            if not itype.startswith("ml.") or amount is None:
                continue
            types.add(itype)
            fam = family(itype)
            per_hour = amount / span
            series = by_family.setdefault(fam, {})
            for slot in slots:
                series[slot] = series.get(slot, Decimal(0)) + per_hour
    hours = sorted(set(hours))
    # Cost Explorer fills the last hours in late (up to a day): trailing hours without any
    # cost are "not reported yet", not "no spend" - a zero there would hide a steady floor
    late = 0
    while hours and not any(by_family[f].get(hours[-1]) for f in by_family):
        hours.pop()
        late += 1
    if late and hours:
        note = "; ".join(
            filter(None, [note, f"the last {late} hours had no cost yet (reported late): left out"])
        )
    return SpendSeries(
        granularity=granularity,
        hours=hours,
        by_family={
            fam: [values.get(h, Decimal(0)) for h in hours]
            for fam, values in sorted(by_family.items())
        },
        note=note,
        instance_types=sorted(types),
    )


def read_on_demand_spend(ctx: RegionContext, resources: list[Resource]) -> None:
    end = ctx.window.end.replace(minute=0, second=0, microsecond=0)
    hourly_start = max(ctx.window.start, end - timedelta(days=HOURLY_RETENTION_DAYS))
    hourly_start = hourly_start.replace(minute=0, second=0, microsecond=0)
    for account in _accounts(resources):
        ce = ctx.client("ce")
        try:
            account.on_demand_spend = spend_series(_hourly(ce, hourly_start, end), "HOURLY")
            continue
        except Exception as exc:
            refusal = f"{_code(exc) or type(exc).__name__}: {exc}"
        note = (
            "Cost Explorer refused hourly data (it keeps 14 days, and only where hourly "
            f"granularity is enabled in its preferences: {refusal}); daily cost / 24 used, "
            "which hides the hour-to-hour variation a commitment must fit"
        )
        day_start = ctx.window.start.replace(hour=0, minute=0, second=0, microsecond=0)
        day_end = end.replace(hour=0)
        try:
            account.on_demand_spend = spend_series(_daily(ce, day_start, day_end), "DAILY", note)
        except Exception as exc:
            ctx.error("ce", "GetCostAndUsage", exc)


def read_coverage(ctx: RegionContext, resources: list[Resource]) -> None:
    start, end = ctx.window.start.date(), ctx.window.end.date()
    for account in _accounts(resources):
        totals = {
            k: Decimal(0) for k in ("SpendCoveredBySavingsPlans", "OnDemandCost", "TotalCost")
        }
        try:
            token = None
            while True:
                response = ctx.client("ce").get_savings_plans_coverage(
                    TimePeriod={"Start": start.isoformat(), "End": end.isoformat()},
                    Granularity="MONTHLY",
                    Filter=_service(SAGEMAKER),
                    **({"NextToken": token} if token else {}),
                )
                for row in response.get("SavingsPlansCoverages", []):
                    coverage = row.get("Coverage", {})
                    for key in totals:
                        totals[key] += _decimal(coverage.get(key)) or Decimal(0)
                token = response.get("NextToken")
                if not token:
                    break
        except Exception as exc:
            ctx.error("ce", "GetSavingsPlansCoverage", exc)
            continue
        total = totals["TotalCost"]
        percent = (totals["SpendCoveredBySavingsPlans"] / total * 100) if total else Decimal(0)
        account.savings_plans_coverage = {**totals, "CoveragePercentage": percent}


def offering_rates_params(region: str, instance_types: list[str]) -> dict[str, Any]:
    """The DescribeSavingsPlansOfferingRates request (what the tests assert): the SageMaker
    plan's rates for SageMaker usage of these instance types in this region."""
    return {
        "savingsPlanTypes": ["SageMaker"],
        "products": ["SageMaker"],
        "filters": [
            {"name": "region", "values": [region]},
            {"name": "instanceType", "values": list(instance_types)},
        ],
        "maxResults": RATES_PAGE,
    }


def offering_rate(raw: dict[str, Any]) -> OfferingRate | None:
    """One ``searchResults`` entry; None when its rate is not a number."""
    rate = _decimal(raw.get("rate"))
    if rate is None:
        return None
    offering = raw.get("savingsPlanOffering") or {}
    props = {p.get("name"): p.get("value", "") for p in raw.get("properties") or []}
    return OfferingRate(
        usage_type=raw.get("usageType", ""),
        operation=raw.get("operation", ""),
        rate=rate,
        unit=raw.get("unit", ""),
        currency=offering.get("currency", ""),
        duration_seconds=int(offering.get("durationSeconds") or 0),
        payment_option=offering.get("paymentOption", ""),
        region=props.get("region", ""),
        instance_type=props.get("instanceType", ""),
    )


def read_offering_rates(ctx: RegionContext, resources: list[Resource]) -> None:
    """The plan's rates for what the on-demand series shows (runs after ``OnDemandSpend``).

    A refusal is kept in ``error`` (and reported): the check then says why it is unpriced.
    """
    for account in _accounts(resources):
        spend = account.on_demand_spend
        if spend is None or not spend.instance_types:
            continue  # nothing to price: no call
        read = OfferingRates(
            region=ctx.region,
            read_on=datetime.now(UTC).date().isoformat(),
            instance_types=list(spend.instance_types),
        )
        params = offering_rates_params(ctx.region, spend.instance_types)
        try:
            client = ctx.client("savingsplans")
            token = None
            while True:
                response = client.describe_savings_plans_offering_rates(
                    **params, **({"nextToken": token} if token else {})
                )
                read.rates += [
                    r for raw in response.get("searchResults", []) if (r := offering_rate(raw))
                ]
                token = response.get("nextToken")
                if not token:
                    break
        except Exception as exc:
            ctx.error("savingsplans", "DescribeSavingsPlansOfferingRates", exc)
            read.rates = []
            read.error = f"{_code(exc) or type(exc).__name__}: {exc}"
        account.savings_plans_rates = read


def _enrich(
    service: str, operation: str, run: Callable[[RegionContext, list[Resource]], None], label: str
) -> Enrichment:
    return Enrichment(service, (operation,), run, label=MetricLabel(label))


register(
    KindSpec(
        kind=ResourceKind.ACCOUNT,
        service="sts",
        id_field="AccountId",
        listing=AccountListing(),
        tags=Tagging.INLINE,
        enrich=(
            _enrich("budgets", "describe_budgets", read_budgets, MetricLabel.BUDGETS),
            _enrich("ce", "get_cost_and_usage", read_monthly_spend, MetricLabel.MONTHLY_ML_SPEND),
            _enrich("ce", "get_cost_and_usage", read_on_demand_spend, MetricLabel.ON_DEMAND_SPEND),
            _enrich(
                "ce",
                "get_savings_plans_coverage",
                read_coverage,
                MetricLabel.SAVINGS_PLANS_COVERAGE,
            ),
            _enrich(
                "savingsplans",
                "describe_savings_plans_offering_rates",
                read_offering_rates,
                MetricLabel.SAVINGS_PLANS_RATES,
            ),
        ),
        build=build_account,
        model=Account,
        global_service=True,
    )
)
