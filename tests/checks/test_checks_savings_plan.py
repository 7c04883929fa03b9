"""savings-plan: steady uncovered on-demand SageMaker spend -> the billing optimiser's
commitment and its net savings, priced only with a rates file that names its source."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from checks_helpers import ACCOUNT, NOW, REGION, inventory

from mlcost.errors import UserError
from mlcost.model import Account, ResourceKind, SpendSeries

HOURS = 336  # CE's 14 days of hourly data
START = NOW - timedelta(hours=HOURS)


def spend(
    by_family: dict[str, list[str]], granularity: str = "HOURLY", note: str = ""
) -> SpendSeries:
    n = len(next(iter(by_family.values())))
    return SpendSeries(
        granularity=granularity,
        hours=[START + timedelta(hours=h) for h in range(n)],
        by_family={f: [Decimal(v) for v in values] for f, values in by_family.items()},
        note=note,
    )


def account(series: SpendSeries | None, coverage: dict | None = None) -> Account:
    return Account(
        kind=ResourceKind.ACCOUNT,
        id=ACCOUNT,
        arn=f"arn:aws:iam::{ACCOUNT}:root",
        region=REGION,
        on_demand_spend=series,
        savings_plans_coverage=coverage,
    )


@pytest.fixture
def rates(tmp_path: Path) -> str:
    path = tmp_path / "sm-rates.json"
    path.write_text(
        json.dumps(
            {
                "plan": "sagemaker",
                "term_years": 1,
                "payment": "no-upfront",
                "source": "test rates: 30% off g5 (stated for this test, not an AWS figure)",
                "discounts": {"g5": 0.30},
            }
        )
    )
    return str(path)


def test_steady_spend_gets_the_optimal_commitment_and_its_net_savings(run_one, rates):
    acct = account(spend({"g5": ["2.923"] * HOURS}), {"CoveragePercentage": Decimal(0)})
    (f,) = run_one("savings-plan", acct, inventory([acct]), rates_file=rates)

    # every hour 2.923 $/h on demand; at 70% of on-demand under the plan the optimum covers
    # it all: 0.7 x 2.923 = 2.0461 $/h, floored to AWS's $0.001 steps = 2.046 $/h.
    # It covers 2.046 / 0.7 = 2.922857 on-demand $/h; net 2.922857 - 2.046 = 0.876857 $/h;
    # x 730 h = 640.11 a month
    assert f.evidence["commitment_usd_per_hour"] == "2.046"
    assert f.monthly_savings_usd == Decimal("640.11")
    # on demand now: 2.923 x 730 = 2,133.79 a month
    assert f.monthly_cost_usd == Decimal("2133.79")
    assert f.fix.action == "purchase-savings-plan"  # advisory: mlcost never buys a plan
    assert f.fix.params["commitment"] == "2.046" and f.fix.params["termInYears"] == 1
    assert f.evidence["rates_source"].startswith("test rates")
    assert f.evidence["granularity"] == "HOURLY" and f.confidence == 0.7


def test_a_variable_load_commits_to_its_floor(run_one, rates):
    # alternating 1.00 and 3.00 $/h: committing beyond 0.7 x 1.00 = 0.70 $/h wastes it every
    # other hour. At 0.70 $/h each hour covers 1.00 on demand: net 1.00 - 0.70 = 0.30 $/h,
    # x 730 = 219.00 a month
    acct = account(spend({"g5": ["1.00", "3.00"] * (HOURS // 2)}))
    (f,) = run_one("savings-plan", acct, inventory([acct]), rates_file=rates)
    assert f.evidence["commitment_usd_per_hour"] == "0.7"
    assert f.monthly_savings_usd == Decimal("219.00")
    assert f.evidence["on_demand_usd_per_hour"] == {"min": "1.00", "mean": "2.00", "max": "3.00"}


def test_usage_a_plan_already_covers_leaves_no_floor_and_no_finding(run_one, rates):
    # a covered plan: what is left on demand drops to 0 at night (covered usage is not in the
    # series), so there is no steady spend to commit to
    nights = (["0.00"] * 8 + ["2.50"] * 16) * (HOURS // 24)
    acct = account(spend({"g5": nights}), {"CoveragePercentage": Decimal("85")})
    assert run_one("savings-plan", acct, inventory([acct]), rates_file=rates) == []


def test_small_or_short_or_unread_spend_is_not_judged(run_one, rates):
    for acct in (
        account(spend({"g5": ["0.99"] * HOURS})),  # under 1 $/h
        account(spend({"g5": ["5.00"] * 48})),  # two days: under min_hours 72
        account(None),  # Cost Explorer not read
    ):
        assert run_one("savings-plan", acct, inventory([acct]), rates_file=rates) == []


def test_without_rates_the_finding_is_unpriced_and_names_the_floor(run_one):
    acct = account(spend({"g5": ["2.923"] * HOURS}))
    (f,) = run_one("savings-plan", acct, inventory([acct]))
    assert f.monthly_savings_usd is None  # mlcost ships no savings-plan rates: never invented
    assert f.monthly_cost_usd == Decimal("2133.79")
    assert "rates_file" in f.evidence["unpriced"]
    assert f.evidence["on_demand_usd_per_hour"]["min"] == "2.92"


def test_daily_data_is_labelled_and_lowers_confidence(run_one, rates):
    note = "Cost Explorer refused hourly data ...; daily cost / 24 used"
    acct = account(spend({"g5": ["2.923"] * HOURS}, granularity="DAILY", note=note))
    (f,) = run_one("savings-plan", acct, inventory([acct]), rates_file=rates)
    assert f.evidence["granularity_note"] == note and f.confidence == 0.5


def test_a_rates_file_for_another_plan_type_is_refused(run_one, tmp_path):
    path = tmp_path / "compute.json"
    path.write_text(json.dumps({"plan": "compute", "source": "x", "discounts": {"*": 0.2}}))
    acct = account(spend({"g5": ["2.923"] * HOURS}))
    with pytest.raises(UserError, match="compute"):
        run_one("savings-plan", acct, inventory([acct]), rates_file=str(path))


def test_a_family_the_rates_file_has_no_discount_for_is_unpriced_not_guessed(run_one, rates):
    # rates for g5 only: p4d's discount is unknown, so no commitment is priced at all
    acct = account(spend({"g5": ["2.923"] * HOURS, "p4d": ["25.2513"] * HOURS}))
    (f,) = run_one("savings-plan", acct, inventory([acct]), rates_file=rates)
    assert f.monthly_savings_usd is None
    assert f.evidence["unpriced"].startswith("no discount for p4d in the rates file")
    # on demand: (2.923 + 25.2513) x 730 = 28.1743 x 730 = 20,567.239 -> 20,567.24 a month
    assert f.monthly_cost_usd == Decimal("20567.24")


# ----------------------------------------------- rates read from AWS (no rates setting)


def offering(usage_type: str, value: str, years: int = 1, payment: str = "No Upfront"):
    """One DescribeSavingsPlansOfferingRates entry as the account kind keeps it."""
    from mlcost.model import OfferingRate

    itype = usage_type.split(":", 1)[1]
    seconds = years * 365 * 86400  # AWS's durationSeconds: 31536000 for 1 year
    return OfferingRate(
        usage_type, "RunInstance", Decimal(value), "Hrs", "USD", seconds, payment, REGION, itype
    )


def with_aws_rates(series: SpendSeries, rates: list, error: str = "") -> Account:
    from mlcost.model import OfferingRates

    acct = account(series)
    acct.savings_plans_rates = OfferingRates(
        region=REGION,
        read_on="2026-11-20",
        instance_types=["ml.g5.xlarge"],
        rates=rates,
        error=error,
    )
    return acct


#: test rates chosen for round discounts (not AWS's published figures)
AWS_RATES = [
    # 1-year No Upfront: 1 - 0.98588 / 1.4084 (hosting list, us-east-1) = 0.3000
    offering("USE1-Host:ml.g5.xlarge", "0.98588"),
    # 3-year All Upfront: 1 - 0.7042 / 1.4084 = 0.5000
    offering("USE1-Host:ml.g5.xlarge", "0.7042", 3, "All Upfront"),
    # a look-alike that must not count: serverless inference is not an instance rate
    offering("USE1-ServerlessInf:ml.g5.xlarge", "0.0001"),
]


def test_the_terms_and_payment_settings_pick_the_plan_whose_rates_are_used(run_one):
    acct = with_aws_rates(spend({"g5": ["2.923"] * HOURS}), AWS_RATES)
    (f,) = run_one("savings-plan", acct, inventory([acct]), term_years=3, payment="all-upfront")
    # discount 0.50: the plan costs 0.5 x 2.923 = 1.4615 -> 1.461 $/h (AWS's $0.001 steps),
    # covering 1.461 / 0.5 = 2.922 $/h on demand: net 2.922 - 1.461 = 1.461 $/h x 730 = 1,066.53
    assert f.evidence["discounts"] == {"g5": "0.5000"}
    assert f.evidence["commitment_usd_per_hour"] == "1.461"
    assert f.monthly_savings_usd == Decimal("1066.53")
    assert f.fix.params["termInYears"] == 3 and f.fix.params["paymentOption"] == "all-upfront"
    assert "hosting us-east-1 $1.4084/h" in f.evidence["discount_arithmetic"]["g5"]


def test_a_rates_file_takes_precedence_over_the_rates_read_from_aws(run_one, rates):
    acct = with_aws_rates(spend({"g5": ["2.923"] * HOURS}), AWS_RATES[1:])
    (f,) = run_one("savings-plan", acct, inventory([acct]), rates_file=rates)
    assert f.evidence["rates_source"].startswith("test rates")
    assert "discount_arithmetic" not in f.evidence


def test_no_aws_rate_for_a_family_or_another_plan_only_is_unpriced(run_one):
    for rates in ([], AWS_RATES[1:]):  # none at all; only a 3-year All Upfront rate
        acct = with_aws_rates(spend({"g5": ["2.923"] * HOURS}), rates)
        (f,) = run_one("savings-plan", acct, inventory([acct]))
        assert f.monthly_savings_usd is None
        assert "no 1-year No Upfront SageMaker Savings Plan rate for g5" in f.evidence["unpriced"]


def test_a_failed_aws_read_is_unpriced_with_its_reason(run_one):
    acct = with_aws_rates(spend({"g5": ["2.923"] * HOURS}), [], error="AccessDeniedException: no")
    (f,) = run_one("savings-plan", acct, inventory([acct]))
    assert f.monthly_savings_usd is None
    assert "failed (AccessDeniedException: no)" in f.evidence["unpriced"]
