"""no-budget: an account spending on SageMaker with no budget watching it gets a proposed
budget sized from its own monthly history; budgets that do watch it (and look-alikes that
do not) are judged by type and filter."""

from __future__ import annotations

from decimal import Decimal

import pytest
from checks_helpers import ACCOUNT, REGION, inventory

from mlcost.errors import UserError
from mlcost.model import Account, AccountBudget, MonthlySpend, ResourceKind
from mlcost.scan import run_checks

SM = "Amazon SageMaker"
HISTORY = [
    MonthlySpend(SM, "2026-09", Decimal("1200.50"), 30, 30),
    MonthlySpend(SM, "2026-10", Decimal("1350.00"), 31, 31),
    # the month in progress: 980.25 over 20 of 30 days (run rate 1,470.375: not used while
    # whole months exist, the re-check before the fix must propose the same budget)
    MonthlySpend(SM, "2026-11", Decimal("980.25"), 20, 30, estimated=True),
]


def account(
    budgets: list[AccountBudget] | None, spend: list[MonthlySpend] | None = None
) -> Account:
    return Account(
        kind=ResourceKind.ACCOUNT,
        id=ACCOUNT,
        arn=f"arn:aws:iam::{ACCOUNT}:root",
        region=REGION,
        budgets=budgets,
        monthly_spend=HISTORY if spend is None else spend,
    )


def cost(name: str, filters: dict | None = None, expression: dict | None = None) -> AccountBudget:
    return AccountBudget(name, "COST", "MONTHLY", Decimal(1000), filters or {}, expression)


def test_look_alike_budgets_do_not_count_and_the_budget_is_sized_from_whole_months(run_one):
    budgets = [
        cost("ec2", {"Service": ["Amazon Elastic Compute Cloud - Compute"]}),
        AccountBudget("sm-hours", "USAGE", "MONTHLY", None, {"Service": [SM]}),
        AccountBudget("sp-util", "SAVINGS_PLANS_UTILIZATION", "MONTHLY", None, {}),
        cost("eu-only", {"Region": ["eu-west-1"]}),
    ]
    acct = account(budgets)
    (f,) = run_one("no-budget", acct, inventory([acct]))

    # highest whole month 1,350.00 x (1 + 0.10) = 1,485.00 -> 1,485 whole dollars
    assert f.fix.action == "create-budget"
    budget = f.fix.params["Budget"]
    assert budget["BudgetLimit"] == {"Amount": "1485", "Unit": "USD"}
    assert budget["CostFilters"] == {"Service": [SM]}
    assert (budget["BudgetType"], budget["TimeUnit"]) == ("COST", "MONTHLY")
    assert f.fix.params["AccountId"] == ACCOUNT
    assert "NotificationsWithSubscribers" not in f.fix.params  # no alert_emails configured
    assert f.evidence["basis_month"] == "2026-10" and f.evidence["basis_usd"] == "1350.00"
    # a guardrail: unpriced, never $0, and the evidence says why
    assert f.monthly_savings_usd is None and f.monthly_cost_usd is None
    assert "guardrail" in f.evidence["unpriced"]
    whys = {b["name"]: b["why"] for b in f.evidence["budgets_not_covering"]}
    assert "USAGE" in whys["sm-hours"] and "SAVINGS_PLANS_UTILIZATION" in whys["sp-util"]
    assert "Region=eu-west-1" in whys["eu-only"]
    assert f.resource_kind is ResourceKind.ACCOUNT and f.resource_id == ACCOUNT


@pytest.mark.parametrize(
    "covering",
    [
        cost("ml", {"Service": [SM, "Amazon Bedrock"]}),
        cost("everything"),  # unfiltered: the whole account's spend, SageMaker included
        cost(
            "expr",
            expression={
                "And": [
                    {"Dimensions": {"Key": "SERVICE", "Values": [SM]}},
                    {"Dimensions": {"Key": "REGION", "Values": ["us-east-1"]}},
                ]
            },
        ),
    ],
    ids=["service-filter", "unfiltered", "filter-expression"],
)
def test_an_account_with_a_budget_covering_sagemaker_is_not_flagged(run_one, covering):
    acct = account([cost("ec2", {"Service": ["Amazon EC2"]}), covering])
    assert run_one("no-budget", acct, inventory([acct])) == []


def test_a_not_expression_excludes_sagemaker():
    from mlcost.checks.no_budget import covers_sagemaker

    not_sm = cost("not-sm", expression={"Not": {"Dimensions": {"Key": "SERVICE", "Values": [SM]}}})
    assert covers_sagemaker(not_sm)[0] is False


def test_unread_budgets_or_spend_give_no_verdict(run_one):
    for acct in (account(None), account([], spend=[])):
        assert run_one("no-budget", acct, inventory([acct])) == []
    unread_spend = Account(
        kind=ResourceKind.ACCOUNT, id=ACCOUNT, arn="", region=REGION, budgets=[], monthly_spend=None
    )
    assert run_one("no-budget", unread_spend, inventory([unread_spend])) == []


def test_small_spend_is_not_flagged(run_one):
    acct = account([], spend=[MonthlySpend(SM, "2026-10", Decimal("99.99"), 31, 31)])
    assert run_one("no-budget", acct, inventory([acct])) == []  # below 100 a month


def test_a_new_account_is_sized_from_its_month_in_progress_at_its_run_rate(run_one):
    acct = account([], spend=[HISTORY[2]])
    (f,) = run_one("no-budget", acct, inventory([acct]))
    # 980.25 / 20 days x 30 days = 1,470.375; x 1.10 = 1,617.4125 -> 1,618
    assert f.fix.params["Budget"]["BudgetLimit"]["Amount"] == "1618"
    assert f.evidence["basis_usd"] == "1470.38"


def test_settings_from_mlcost_toml_size_the_budget_and_add_alerts(run_one):
    acct = account([])
    (f,) = run_one(
        "no-budget", acct, inventory([acct]), headroom=0.25, alert_emails=["finops@example.com"]
    )
    # 1,350.00 x 1.25 = 1,687.5 -> 1,688
    assert f.fix.params["Budget"]["BudgetLimit"]["Amount"] == "1688"
    alerts = f.fix.params["NotificationsWithSubscribers"]
    assert [
        (a["Notification"]["NotificationType"], a["Notification"]["Threshold"]) for a in alerts
    ] == [("ACTUAL", 80.0), ("FORECASTED", 100.0)]
    assert alerts[0]["Subscribers"] == [
        {"SubscriptionType": "EMAIL", "Address": "finops@example.com"}
    ]


def test_a_bad_setting_names_the_key_and_the_allowed_ones():
    acct = account([])
    with pytest.raises(UserError) as err:
        run_checks(
            inventory([acct]), only=["no-budget"], settings={"no-budget": {"headroom": "lots"}}
        )
    assert "headroom" in str(err.value) and "alert_emails" in str(err.value.hint)


def test_the_runner_warns_once_about_the_unpriced_guardrail():
    acct = account([])
    result = run_checks(inventory([acct]), only=["no-budget"])
    assert [f.check for f in result.findings] == ["no-budget"]
    assert any("guardrail" in w for w in result.warnings)


@pytest.mark.parametrize(
    "emails",
    [["finops"], [f"a{i}@example.com" for i in range(12)]],
    ids=["not-an-address", "over-aws-11-subscribers"],
)
def test_bad_alert_emails_are_refused_before_any_call(run_one, emails):
    acct = account([])
    with pytest.raises(UserError, match="alert_emails"):
        run_one("no-budget", acct, inventory([acct]), alert_emails=emails)
