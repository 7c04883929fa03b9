"""The account kind's SageMaker Savings Plans rates: Savings Plans
DescribeSavingsPlansOfferingRates (moto has no savingsplans service), read once, after the
on-demand series, for its instance types in the account's region, only for savings-plan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
from botocore.stub import Stubber
from sources_aws_fakes import AwsError, answer

from mlcost.model import Account, OfferingRate, ResourceKind, SpendSeries
from mlcost.sources.aws import CallCounter, collect_inventory
from mlcost.sources.aws.account import read_offering_rates

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ACCOUNT = "123456789012"
ONE_YEAR, THREE_YEARS = 31536000, 94608000  # AWS's durationSeconds: 365 and 3 x 365 days


def rate(usage_type: str, value: str, seconds: int = ONE_YEAR, payment: str = "No Upfront"):
    """A searchResults entry shaped as AWS returns it for the SageMaker plan. The rate values
    in these tests are chosen for round discounts: test figures, not AWS's published rates."""
    itype = usage_type.split(":", 1)[1]
    return {
        "savingsPlanOffering": {
            "offeringId": "3a4f1e2b-0c5d-4e6f-8a9b-1c2d3e4f5a6b",
            "paymentOption": payment,
            "planType": "SageMaker",
            "durationSeconds": seconds,
            "currency": "USD",
            "planDescription": "1 year No Upfront SageMaker Savings Plan",
        },
        "rate": value,
        "unit": "Hrs",
        "productType": "SageMaker",
        "serviceCode": "AmazonSageMaker",
        "usageType": usage_type,
        "operation": "RunInstance",
        "properties": [
            {"name": "region", "value": "us-east-1"},
            {"name": "instanceType", "value": itype},
            {"name": "instanceFamily", "value": itype.split(".")[1]},
            {"name": "productDescription", "value": "Amazon SageMaker"},
        ],
    }


class Ctx:
    """The little of the collector an enrichment uses."""

    region = "us-east-1"

    def __init__(self, client: Any) -> None:
        self._client, self.errors = client, []

    def client(self, service: str) -> Any:
        assert service == "savingsplans"
        return self._client

    def error(self, service: str, operation: str, exc: BaseException) -> None:
        self.errors.append((service, operation, exc))


def _account(types: list[str]) -> Account:
    acct = Account(kind=ResourceKind.ACCOUNT, id=ACCOUNT, arn="arn", region="us-east-1")
    acct.on_demand_spend = SpendSeries(granularity="HOURLY", instance_types=types)
    return acct


REQUEST = {
    "savingsPlanTypes": ["SageMaker"],
    "products": ["SageMaker"],
    "filters": [
        {"name": "region", "values": ["us-east-1"]},
        {"name": "instanceType", "values": ["ml.g5.2xlarge", "ml.g5.xlarge"]},
    ],
    "maxResults": 1000,  # AWS's maximum page
}


def test_two_pages_are_read_with_the_series_instance_types_and_region():
    client = boto3.client(
        "savingsplans", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    stub = Stubber(client)
    stub.add_response(
        "describe_savings_plans_offering_rates",
        {"searchResults": [rate("USE1-Host:ml.g5.xlarge", "0.98588")], "nextToken": "page-2"},
        REQUEST,
    )
    stub.add_response(
        "describe_savings_plans_offering_rates",
        {"searchResults": [rate("USE1-Train:ml.g5.2xlarge", "0.988", THREE_YEARS)]},
        {**REQUEST, "nextToken": "page-2"},
    )
    acct = _account(["ml.g5.2xlarge", "ml.g5.xlarge"])
    ctx = Ctx(client)
    with stub:
        read_offering_rates(ctx, [acct])
    stub.assert_no_pending_responses()

    read = acct.savings_plans_rates
    assert ctx.errors == [] and read.error == "" and read.region == "us-east-1"
    assert read.rates == [
        OfferingRate(
            "USE1-Host:ml.g5.xlarge", "RunInstance", Decimal("0.98588"), "Hrs", "USD",
            ONE_YEAR, "No Upfront", "us-east-1", "ml.g5.xlarge",
        ),
        OfferingRate(
            "USE1-Train:ml.g5.2xlarge", "RunInstance", Decimal("0.988"), "Hrs", "USD",
            THREE_YEARS, "No Upfront", "us-east-1", "ml.g5.2xlarge",
        ),
    ]  # fmt: skip


def test_no_instance_type_in_the_series_means_no_call():
    client = boto3.client(
        "savingsplans", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    acct = _account([])
    with Stubber(client):  # any call would fail: none is queued
        read_offering_rates(Ctx(client), [acct])
    assert acct.savings_plans_rates is None


def _hourly(region: str, params: dict[str, Any]) -> dict[str, Any]:
    if params["Granularity"] != "HOURLY":
        return {"ResultsByTime": [], "DimensionValueAttributes": []}
    start = datetime(2026, 11, 6, 12, tzinfo=UTC)
    groups = [
        {"Keys": [t], "Metrics": {"UnblendedCost": {"Amount": a, "Unit": "USD"}}}
        for t, a in (("ml.g5.xlarge", "1.408"), ("ml.g5.2xlarge", "1.515"))
    ]
    rows = [
        {
            "TimePeriod": {
                "Start": (start + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "End": (start + timedelta(hours=h + 1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
            "Total": {},
            "Groups": groups,
            "Estimated": False,
        }
        for h in range(336)
    ]
    return {"ResultsByTime": rows, "DimensionValueAttributes": []}


def _coverage(region: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"SavingsPlansCoverages": []}


def test_a_scan_prices_the_commitment_from_the_rates_aws_returns(session):
    """End to end on the collector: two pages of rates, the finding priced from them."""
    from mlcost.scan import run_checks

    pages = {
        None: (
            [
                rate("USE1-Host:ml.g5.xlarge", "0.98588"),
                rate("USE1-Train:ml.g5.xlarge", "0.9165"),
                rate("USE1-Host:ml.g5.xlarge", "0.5", THREE_YEARS, "All Upfront"),
            ],
            "page-2",
        ),
        "page-2": (
            [rate("USE1-Host:ml.g5.2xlarge", "1.0605"), rate("USE1-Train:ml.g5.2xlarge", "0.988")],
            None,
        ),
    }
    seen: list[dict[str, Any]] = []

    def offering_rates(region: str, params: dict[str, Any]) -> dict[str, Any]:
        seen.append(params)
        results, token = pages[params.get("nextToken")]
        return {"searchResults": results, **({"nextToken": token} if token else {})}

    answer(session, "ce", "GetCostAndUsage", _hourly)
    answer(session, "ce", "GetSavingsPlansCoverage", _coverage)
    answer(session, "savingsplans", "DescribeSavingsPlansOfferingRates", offering_rates)
    calls = CallCounter().attach(session)

    inv = collect_inventory(
        ["us-east-1", "eu-west-1"], 21, session=session, now=NOW, checks=["savings-plan"]
    )

    assert seen == [REQUEST, {**REQUEST, "nextToken": "page-2"}]  # first region only
    # exactly the calls added: the two pages of one read, besides Cost Explorer's two
    assert {k: v for k, v in calls.counts.items() if "Savings" in k or "cost" in k} == {
        "cost-explorer.GetCostAndUsage": 1,
        "cost-explorer.GetSavingsPlansCoverage": 1,
        "savingsplans.DescribeSavingsPlansOfferingRates": 2,
    }
    (f,) = run_checks(inv, only=["savings-plan"]).findings
    # g5's 1-year No Upfront rates against the catalogue's on-demand us-east-1 prices:
    #   Host  ml.g5.xlarge  1 - 0.98588 / 1.4084 = 1 - 0.70 = 0.3000 (hosting list price)
    #   Train ml.g5.xlarge  1 - 0.9165 / 1.41    = 1 - 0.65 = 0.3500 (Studio-Notebook substitute)
    #   Host  ml.g5.2xlarge 1 - 1.0605 / 1.515   = 1 - 0.70 = 0.3000
    #   Train ml.g5.2xlarge 1 - 0.988 / 1.52     = 1 - 0.65 = 0.3500
    # the family's discount is the lowest, 0.30 (the 3-year All Upfront rate is another plan)
    assert f.evidence["discounts"] == {"g5": "0.3000"}
    assert f.evidence["discount_arithmetic"]["g5"].startswith("1 - 0.98588 / 1.4084 = 0.3000")
    assert f.evidence["rates_source"].startswith(
        "AWS Savings Plans DescribeSavingsPlansOfferingRates, us-east-1, read "
    )
    # 1.408 + 1.515 = 2.923 $/h every hour; at 0.70 the plan costs 0.7 x 2.923 = 2.0461 $/h,
    # floored to AWS's $0.001 steps = 2.046, covering 2.046 / 0.7 = 2.922857 on-demand $/h:
    # net 2.922857 - 2.046 = 0.876857 $/h x 730 h = 640.11 a month
    assert f.evidence["commitment_usd_per_hour"] == "2.046"
    assert f.monthly_savings_usd == Decimal("640.11")
    assert f.evidence["term_years"] == 1 and f.evidence["payment"] == "no-upfront"


def test_a_refused_read_leaves_the_finding_unpriced_with_the_reason(session):
    def denied(region: str, params: dict[str, Any]) -> dict[str, Any]:
        raise AwsError("AccessDeniedException", "not authorized to perform: savingsplans:Desc")

    answer(session, "ce", "GetCostAndUsage", _hourly)
    answer(session, "ce", "GetSavingsPlansCoverage", _coverage)
    answer(session, "savingsplans", "DescribeSavingsPlansOfferingRates", denied)
    from mlcost.scan import run_checks

    inv = collect_inventory(["us-east-1"], 21, session=session, now=NOW, checks=["savings-plan"])

    assert [(e.service, e.operation) for e in inv.errors] == [
        ("savingsplans", "DescribeSavingsPlansOfferingRates")
    ]
    (f,) = run_checks(inv, only=["savings-plan"]).findings
    assert f.monthly_savings_usd is None  # never $0, never a guessed rate
    assert "AccessDeniedException" in f.evidence["unpriced"]
    # the on-demand spend is still shown: 2.923 x 730 = 2,133.79 a month
    assert f.monthly_cost_usd == Decimal("2133.79")


def test_no_budget_alone_never_reads_savings_plans_rates(session):
    answer(session, "ce", "GetCostAndUsage", _hourly)
    calls = CallCounter().attach(session)
    collect_inventory(["us-east-1"], 14, session=session, now=NOW, checks=["no-budget"])
    assert not any(k.startswith("savingsplans") for k in calls.counts)
