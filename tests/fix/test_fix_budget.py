"""Create the budget no-budget proposes (moto Budgets, the emulator's Cost Explorer): dry-run
by default, re-checked, journaled; undo deletes that budget and no other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from fix_helpers import REGION, make_runner, scan

from mlcost.demo import ce_ext
from mlcost.errors import UserError

ACCOUNT = "123456789012"
NAME = "mlcost-sagemaker-monthly"


def _last_month_spend(amount: float) -> None:
    first_of_this_month = datetime.now(UTC).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    ce_ext.record_cost(
        ACCOUNT,
        hour=first_of_this_month - timedelta(days=10),
        service="Amazon SageMaker",
        instance_type="ml.g5.xlarge",
        amount=amount,
    )


def _budgets() -> dict[str, str]:
    listed = boto3.client("budgets", region_name=REGION).describe_budgets(AccountId=ACCOUNT)
    return {b["BudgetName"]: b["BudgetLimit"]["Amount"] for b in listed.get("Budgets", [])}


def test_create_the_budget_then_undo_deletes_only_it(aws, journal):
    _last_month_spend(2000.0)
    found = scan(["no-budget"])
    (finding,) = found.findings
    # 2,000.00 x 1.10 = 2,200
    assert finding.fix.params["Budget"]["BudgetLimit"]["Amount"] == "2200"
    runner = make_runner(journal)

    (outcome,) = runner.apply(found, found.findings)

    assert outcome.state == "done", outcome.reason
    assert {k: float(v) for k, v in _budgets().items()} == {NAME: 2200.0}
    calls = [(c["operation"], c["mutating"]) for c in journal.calls(outcome.fix_id)]
    assert ("CreateBudget", True) in calls
    # someone adds a budget of their own afterwards: undo must leave it
    boto3.client("budgets", region_name=REGION).create_budget(
        AccountId=ACCOUNT,
        Budget={
            "BudgetName": "team-ec2",
            "BudgetLimit": {"Amount": "100", "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
        },
    )
    assert runner.undo(outcome.fix_id).state == "done"
    assert set(_budgets()) == {"team-ec2"}


def test_a_covering_budget_made_since_the_scan_skips_the_fix(aws, journal):
    _last_month_spend(2000.0)
    found = scan(["no-budget"])
    boto3.client("budgets", region_name=REGION).create_budget(
        AccountId=ACCOUNT,
        Budget={
            "BudgetName": "finops-sagemaker",
            "BudgetLimit": {"Amount": "3000", "Unit": "USD"},
            "CostFilters": {"Service": ["Amazon SageMaker"]},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
        },
    )

    (outcome,) = make_runner(journal).apply(found, found.findings)

    assert outcome.state == "skipped"
    assert set(_budgets()) == {"finops-sagemaker"}


def test_a_budget_fix_cannot_be_deferred(aws, journal):
    _last_month_spend(2000.0)
    found = scan(["no-budget"])
    with pytest.raises(UserError, match="cannot be deferred"):
        make_runner(journal).apply(found, found.findings, after=timedelta(days=1))
    assert _budgets() == {} and journal.fixes() == []


def test_verify_says_when_the_created_budget_was_deleted(aws, journal):
    _last_month_spend(2000.0)
    found = scan(["no-budget"])
    runner = make_runner(journal)
    (outcome,) = runner.apply(found, found.findings)
    assert [message for _, message in runner.verify()] == [None]  # the guardrail holds
    boto3.client("budgets", region_name=REGION).delete_budget(AccountId=ACCOUNT, BudgetName=NAME)
    assert [message for _, message in runner.verify()] == [f"budget {NAME} no longer exists"]


def test_the_dry_run_plan_names_the_budget_its_limit_filter_and_alerts(aws):
    _last_month_spend(2000.0)
    (finding,) = scan(["no-budget"]).findings
    from mlcost.fix.actions import action_for

    lines = action_for("create-budget").plan(finding)
    assert lines.changes == [
        "CreateBudget mlcost-sagemaker-monthly: monthly COST budget, limit 2200 USD, filter "
        "{'Service': ['Amazon SageMaker']}, no alerts (no alert_emails configured)"
    ]
    assert _budgets() == {}  # planning changes nothing
