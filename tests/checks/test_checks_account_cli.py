"""`mlcost explain` / `policy self` / mlcost.toml for the account-level checks (no-budget,
savings-plan): what they read is named, their defaults are overridable and validated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlcost.cli import app
from mlcost.config import load_config
from mlcost.errors import UserError


def test_explain_no_budget_names_its_reads_and_config_overrides(tmp_path: Path):
    cfg = tmp_path / "mlcost.toml"
    cfg.write_text('[checks.no-budget]\nheadroom = 0.2\nalert_emails = ["finops@example.com"]\n')
    res = CliRunner().invoke(app, ["explain", "no-budget", "--config", str(cfg)])
    assert res.exit_code == 0, res.output
    assert "no-budget  (account)" in res.stdout
    assert "headroom = 0.1  -> 0.2 from the config file" in res.stdout
    assert "signals read (account-level APIs, once per scan):" in res.stdout
    assert "Budgets: budgets:ViewBudget" in res.stdout
    assert "MonthlyMlSpend: ce:GetCostAndUsage" in res.stdout


def test_explain_savings_plan_names_cost_explorer_reads():
    res = CliRunner().invoke(app, ["explain", "savings-plan"])
    assert res.exit_code == 0, res.output
    assert "OnDemandSpend: ce:GetCostAndUsage" in res.stdout
    assert "SavingsPlansCoverage: ce:GetSavingsPlansCoverage" in res.stdout
    assert "SavingsPlansRates: savingsplans:DescribeSavingsPlansOfferingRates" in res.stdout
    assert 'rates_file = ""' in res.stdout


@pytest.mark.parametrize(
    ("check", "granted", "not_granted"),
    [
        ("no-budget", {"budgets:ViewBudget", "ce:GetCostAndUsage"}, "ce:GetSavingsPlansCoverage"),
        (
            "savings-plan",
            {
                "ce:GetCostAndUsage",
                "ce:GetSavingsPlansCoverage",
                # the SageMaker plan's rates, when no rates file or bill gives them
                "savingsplans:DescribeSavingsPlansOfferingRates",
            },
            "budgets:ViewBudget",
        ),
    ],
)
def test_policy_self_grants_each_check_only_its_own_reads(check, granted, not_granted):
    res = CliRunner().invoke(app, ["policy", "self", "--check", check])
    assert res.exit_code == 0, res.output
    actions = set(json.loads(res.stdout)["Statement"][0]["Action"])
    assert actions == granted and not_granted not in actions


def test_policy_self_fix_grants_modify_budget_for_no_budget_only():
    def fix_actions(check: str) -> set[str]:
        res = CliRunner().invoke(app, ["policy", "self", "--fix", "--check", check])
        statements = json.loads(res.stdout)["Statement"]
        return {a for s in statements if s["Sid"] == "MlcostFix" for a in s["Action"]}

    assert fix_actions("no-budget") == {"budgets:ModifyBudget", "budgets:ViewBudget"}
    assert "budgets:ModifyBudget" not in fix_actions("savings-plan")


def test_a_bad_value_in_mlcost_toml_names_the_key(tmp_path: Path):
    cfg = tmp_path / "mlcost.toml"
    cfg.write_text('[checks.savings-plan]\nmin_hours = "three days"\n')
    with pytest.raises(UserError) as err:
        load_config(cfg)
    assert "min_hours" in str(err.value)


def test_a_scan_that_only_named_the_account_read_nothing():
    """STS names the account, every other read failed: still "nothing could be read" (exit
    3), not an empty clean report; once one account read answered, it is a read."""
    from datetime import UTC, datetime

    from mlcost.model import Account, Inventory, ResourceKind, SourceError
    from mlcost.scan import nothing_read

    acct = Account(kind=ResourceKind.ACCOUNT, id="123456789012", arn="", region="us-east-1")
    now = datetime(2026, 11, 20, tzinfo=UTC)
    inv = Inventory("aws", ["us-east-1"], 7, now, now, resources=[acct], listed={"us-east-1": []})
    inv.errors = [SourceError("us-east-1", "sagemaker", "Search", "AccessDenied")]
    assert nothing_read(inv)
    acct.budgets = []  # DescribeBudgets answered: the account has none
    assert not nothing_read(inv)
