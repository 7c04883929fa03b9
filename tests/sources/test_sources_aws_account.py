"""The account kind: Budgets and Cost Explorer read once per scan (first region), each read
only when a selected check needs it. Budgets on moto; Cost Explorer answered through
botocore's events with AWS's response shapes (validated against the service model)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sources_aws_fakes import AwsError, answer

from mlcost.model import Account, ResourceKind
from mlcost.sources.aws import CallCounter, collect_inventory

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ACCOUNT = "123456789012"


def _budget(budgets: Any, name: str, kind: str = "COST", filters: dict | None = None) -> None:
    budget: dict[str, Any] = {
        "BudgetName": name,
        "BudgetLimit": {"Amount": "500", "Unit": "USD"},
        "TimeUnit": "MONTHLY",
        "BudgetType": kind,
    }
    if filters:
        budget["CostFilters"] = filters
    budgets.create_budget(AccountId=ACCOUNT, Budget=budget)


def _monthly(region: str, params: dict[str, Any]) -> dict[str, Any]:
    assert params["Granularity"] == "MONTHLY"
    assert params["Filter"] == {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon SageMaker"]}}
    # six whole months before November 2026 and November itself, End exclusive
    assert params["TimePeriod"] == {"Start": "2026-05-01", "End": "2026-11-21"}
    rows = [
        ("2026-09-01", "2026-10-01", "1200.50", False),
        ("2026-10-01", "2026-11-01", "1350.00", False),
        ("2026-11-01", "2026-11-21", "980.25", True),
    ]
    return {
        "ResultsByTime": [
            {
                "TimePeriod": {"Start": s, "End": e},
                "Total": {"UnblendedCost": {"Amount": a, "Unit": "USD"}},
                "Groups": [],
                "Estimated": est,
            }
            for s, e, a, est in rows
        ],
        "DimensionValueAttributes": [],
    }


def test_no_budget_reads_budgets_and_monthly_spend_once_and_nothing_else(session):
    budgets = session.client("budgets")
    _budget(budgets, "ec2-only", filters={"Service": ["Amazon Elastic Compute Cloud - Compute"]})
    _budget(budgets, "sagemaker-hours", kind="USAGE", filters={"Service": ["Amazon SageMaker"]})
    answer(session, "ce", "GetCostAndUsage", _monthly)
    calls = CallCounter().attach(session)

    inv = collect_inventory(
        ["us-east-1", "eu-west-1"], 14, session=session, now=NOW, checks=["no-budget"]
    )

    (account,) = inv.resources
    assert isinstance(account, Account) and account.id == ACCOUNT
    assert account.region == "us-east-1"  # global: read in the first region only
    assert sorted((b.name, b.budget_type) for b in account.budgets) == [
        ("ec2-only", "COST"),
        ("sagemaker-hours", "USAGE"),
    ]
    ec2_only = next(b for b in account.budgets if b.name == "ec2-only")
    assert ec2_only.cost_filters == {"Service": ["Amazon Elastic Compute Cloud - Compute"]}
    assert ec2_only.limit_usd == Decimal("500")
    assert [(m.month, m.amount_usd, m.days, m.days_in_month) for m in account.monthly_spend] == [
        ("2026-09", Decimal("1200.50"), 30, 30),
        ("2026-10", Decimal("1350.00"), 31, 31),
        ("2026-11", Decimal("980.25"), 20, 30),
    ]
    assert account.on_demand_spend is None and account.savings_plans_coverage is None
    assert calls.counts == {
        "sts.GetCallerIdentity": 1,
        "budgets.DescribeBudgets": 1,
        "cost-explorer.GetCostAndUsage": 1,
    }
    assert inv.errors == []


def test_a_regional_check_makes_no_budgets_or_cost_explorer_call(session):
    calls = CallCounter().attach(session)
    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW, checks=["idle-endpoint"])
    assert not inv.of_kind(ResourceKind.ACCOUNT)
    assert not [c for c in calls.counts if c.startswith(("budgets.", "cost-explorer."))]


def _hours(start: datetime, n: int) -> list[datetime]:
    return [start + timedelta(hours=h) for h in range(n)]


def test_hourly_on_demand_spend_is_summed_per_family_with_coverage(session):
    end = NOW  # window end, already on the hour
    start = end - timedelta(days=14)  # a 21-day window reads the last 14 days hourly
    requests: list[dict[str, Any]] = []

    def hourly(region: str, params: dict[str, Any]) -> dict[str, Any]:
        requests.append(params)
        rows = []
        for h in _hours(start, 14 * 24):
            rows.append(
                {
                    "TimePeriod": {
                        "Start": h.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "End": (h + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    },
                    "Total": {},
                    "Groups": [
                        {
                            "Keys": ["ml.g5.xlarge"],
                            "Metrics": {"UnblendedCost": {"Amount": "1.408", "Unit": "USD"}},
                        },
                        {
                            "Keys": ["ml.g5.2xlarge"],
                            "Metrics": {"UnblendedCost": {"Amount": "1.515", "Unit": "USD"}},
                        },
                        {  # storage: no instance type, not savings-plan eligible
                            "Keys": ["NoInstanceType"],
                            "Metrics": {"UnblendedCost": {"Amount": "0.20", "Unit": "USD"}},
                        },
                    ],
                    "Estimated": False,
                }
            )
        return {"ResultsByTime": rows, "DimensionValueAttributes": []}

    def coverage(region: str, params: dict[str, Any]) -> dict[str, Any]:
        assert params["TimePeriod"] == {"Start": "2026-10-30", "End": "2026-11-20"}
        return {
            "SavingsPlansCoverages": [
                {
                    "Attributes": {},
                    "Coverage": {
                        "SpendCoveredBySavingsPlans": "300",
                        "OnDemandCost": "700",
                        "TotalCost": "1000",
                        "CoveragePercentage": "30",
                    },
                    "TimePeriod": {"Start": "2026-10-30", "End": "2026-11-20"},
                }
            ]
        }

    answer(session, "ce", "GetCostAndUsage", hourly)
    answer(session, "ce", "GetSavingsPlansCoverage", coverage)

    inv = collect_inventory(["us-east-1"], 21, session=session, now=NOW, checks=["savings-plan"])

    (account,) = inv.resources
    (request,) = requests
    assert request["Granularity"] == "HOURLY"
    assert request["TimePeriod"] == {"Start": "2026-11-06T12:00:00Z", "End": "2026-11-20T12:00:00Z"}
    assert request["Filter"] == {
        "And": [
            {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon SageMaker"]}},
            {"Dimensions": {"Key": "RECORD_TYPE", "Values": ["Usage"]}},
        ]
    }
    spend = account.on_demand_spend
    assert spend.granularity == "HOURLY" and spend.note == ""
    assert len(spend.hours) == 336 and spend.hours[0] == start
    # both g5 sizes are one family: 1.408 + 1.515 = 2.923 $/h; storage left out
    assert spend.by_family == {"g5": [Decimal("2.923")] * 336}
    assert account.savings_plans_coverage["CoveragePercentage"] == Decimal("30")
    assert account.budgets is None  # no-budget not selected: not read


def test_hourly_refused_falls_back_to_daily_over_24_hours_and_says_so(session):
    seen: list[str] = []

    def daily_only(region: str, params: dict[str, Any]) -> dict[str, Any]:
        seen.append(params["Granularity"])
        if params["Granularity"] == "HOURLY":
            raise AwsError("DataUnavailableException", "Hourly granularity is not enabled")
        assert params["TimePeriod"] == {"Start": "2026-11-13", "End": "2026-11-20"}
        return {
            "ResultsByTime": [
                {
                    "TimePeriod": {"Start": "2026-11-13", "End": "2026-11-14"},
                    "Total": {},
                    "Groups": [
                        {
                            "Keys": ["ml.p4d.24xlarge"],
                            "Metrics": {"UnblendedCost": {"Amount": "606.0312", "Unit": "USD"}},
                        }
                    ],
                    "Estimated": False,
                }
            ],
            "DimensionValueAttributes": [],
        }

    answer(session, "ce", "GetCostAndUsage", daily_only)
    answer(
        session,
        "ce",
        "GetSavingsPlansCoverage",
        lambda r, p: {"SavingsPlansCoverages": []},
    )
    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW, checks=["savings-plan"])

    (account,) = inv.resources
    assert seen == ["HOURLY", "DAILY"]
    spend = account.on_demand_spend
    assert spend.granularity == "DAILY" and "DataUnavailableException" in spend.note
    # 606.0312 a day / 24 = 25.2513 $/h in each of the day's 24 hours
    assert spend.by_family == {"p4d": [Decimal("25.2513")] * 24}
    assert spend.hours[0] == datetime(2026, 11, 13, tzinfo=UTC)
    assert account.savings_plans_coverage["TotalCost"] == Decimal(0)


def _refuse(code: str, message: str):
    def answer_fn(region: str, params: dict[str, Any]) -> dict[str, Any]:
        raise AwsError(code, message)

    return answer_fn


@pytest.mark.parametrize(
    ("code", "budgets", "errors"),
    [
        # denied: unknown, never "no budget", and reported
        ("AccessDeniedException", None, [("budgets", "DescribeBudgets")]),
        # AWS's answer for an account with no budget at all: none, and no error
        ("NotFoundException", [], []),
    ],
)
def test_budgets_refused_or_not_found(session, code, budgets, errors):
    answer(session, "budgets", "DescribeBudgets", _refuse(code, "refused or none"))
    answer(session, "ce", "GetCostAndUsage", _monthly)
    inv = collect_inventory(["us-east-1"], 14, session=session, now=NOW, checks=["no-budget"])
    (account,) = inv.resources
    assert account.budgets == budgets
    assert [(e.service, e.operation) for e in inv.errors] == errors


def test_a_full_scan_adds_four_account_reads_whatever_the_account_size(session):
    """Every check selected, two regions: the account's reads are made once (first region),
    four calls in all - Cost Explorer bills each ($0.01 a request)."""
    seen: list[str] = []

    def record(region: str, params: dict[str, Any]) -> dict[str, Any]:
        seen.append(params["Granularity"])
        return {"ResultsByTime": [], "DimensionValueAttributes": []}

    answer(session, "ce", "GetCostAndUsage", record)
    calls = CallCounter().attach(session)
    collect_inventory(["us-east-1", "eu-west-1"], 7, session=session, now=NOW)
    account_reads = {
        k: v for k, v in calls.counts.items() if k.split(".")[0] in ("budgets", "cost-explorer")
    }
    assert sorted(seen) == ["HOURLY", "MONTHLY"], seen
    assert account_reads == {
        "budgets.DescribeBudgets": 1,
        "cost-explorer.GetCostAndUsage": 2,  # MONTHLY (no-budget), HOURLY (savings-plan)
        "cost-explorer.GetSavingsPlansCoverage": 1,
    }


def test_trailing_hours_cost_explorer_has_not_reported_are_left_out():
    """Cost Explorer reports the last hours late: empty trailing hours are not "no spend"
    (a zero there would make steady spend look unsteady)."""
    from mlcost.sources.aws.account import spend_series

    def row(hour: int, amount: str | None) -> dict[str, Any]:
        start = datetime(2026, 11, 20, hour, tzinfo=UTC)
        groups = (
            [{"Keys": ["ml.m5.xlarge"], "Metrics": {"UnblendedCost": {"Amount": amount}}}]
            if amount
            else []
        )
        return {
            "TimePeriod": {"Start": start.strftime("%Y-%m-%dT%H:%M:%SZ")},
            "Groups": groups,
        }

    series = spend_series(
        [row(0, "0.69"), row(1, None), row(2, "0.69"), row(3, None), row(4, None)], "HOURLY"
    )
    # the gap at 01:00 is kept (a real zero between reported hours); 03:00 and 04:00 are not
    assert series.by_family == {"m5": [Decimal("0.69"), Decimal(0), Decimal("0.69")]}
    assert "last 2 hours had no cost yet" in series.note
