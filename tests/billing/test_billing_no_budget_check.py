"""no-budget sized from an ingested bill (`[checks.no-budget] billing_db`): the same figure
`mlcost billing budget` proposes, on the live account's budgets."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from mlcost.billing.ingest import ingest
from mlcost.checks import load_all
from mlcost.errors import UserError
from mlcost.model import Account, Inventory, ResourceKind


@pytest.fixture
def db(tmp_path: Path, small_bill_parquet: Path) -> Path:
    path = tmp_path / "b.duckdb"
    ingest([small_bill_parquet], path)
    return path


def _account() -> Account:
    # budgets read (none), Cost Explorer not needed when the bill is given
    return Account(
        kind=ResourceKind.ACCOUNT, id="123456789012", arn="", region="us-east-1", budgets=[]
    )


def _inventory(acct: Account) -> Inventory:
    from datetime import UTC, datetime

    now = datetime(2025, 6, 3, tzinfo=UTC)
    return Inventory("aws", ["us-east-1"], 7, now, now, resources=[acct])


def test_the_budget_is_sized_from_the_bill(db: Path) -> None:
    acct = _account()
    (f,) = load_all()["no-budget"].run(acct, _inventory(acct), {"billing_db": str(db)})
    # June 2025 through the 2nd: SageMaker 51.75 -> 51.75 x 30 / 2 = 776.25; x 1.10 = 853.875
    # -> 854 (as tests/billing/test_billing_budget.py computes for `mlcost billing budget`)
    assert f.evidence["basis_usd"] == "776.25"
    assert f.fix.params["Budget"]["BudgetLimit"]["Amount"] == "854"
    assert str(db) in f.evidence["sized_from"]


def test_a_missing_billing_db_is_a_user_error(tmp_path: Path) -> None:
    acct = _account()
    with pytest.raises(UserError):
        load_all()["no-budget"].run(
            acct, _inventory(acct), {"billing_db": str(tmp_path / "none.duckdb")}
        )


def test_with_a_covering_budget_the_bill_is_not_even_read(tmp_path: Path) -> None:
    from mlcost.model import AccountBudget

    acct = _account()
    acct.budgets = [AccountBudget("all", "COST", "MONTHLY", Decimal(100))]
    missing = str(tmp_path / "none.duckdb")
    assert load_all()["no-budget"].run(acct, _inventory(acct), {"billing_db": missing}) == []


def test_savings_plan_takes_its_discounts_from_the_bills_covered_lines(tmp_path: Path) -> None:
    """`rates_billing_db`: the discounts `mlcost plan savings-plan --rates-from-bill` reads
    (the synthetic bill's plan covers ml.g5.xlarge hosting), on the live on-demand series."""
    from datetime import UTC, datetime, timedelta

    from mlcost.billing import synth
    from mlcost.billing.savings_plan import PlanType
    from mlcost.billing.spend_series import rates_from_bill
    from mlcost.model import SpendSeries

    path = synth.write(synth.generate_cur2(hours=24), tmp_path / "cur2.parquet")
    db = tmp_path / "sp.duckdb"
    ingest([path], db)
    observed = rates_from_bill(db, PlanType.SAGEMAKER, 1, "no-upfront")
    (g5,) = observed.discounts  # the one covered SageMaker family
    start = datetime(2025, 6, 1, tzinfo=UTC)
    acct = _account()
    acct.on_demand_spend = SpendSeries(
        "HOURLY",
        [start + timedelta(hours=h) for h in range(96)],
        {g5: [Decimal("2.82")] * 96},  # 2 x ml.g5.xlarge at 1.41, every hour
    )
    (f,) = load_all()["savings-plan"].run(acct, _inventory(acct), {"rates_billing_db": str(db)})
    d = observed.discounts[g5]
    # steady 2.82 $/h: commit (1 - d) x 2.82 floored to $0.001; it covers commitment / (1 - d)
    commitment = (Decimal(1) - d) * Decimal("2.82")
    commitment = commitment.quantize(Decimal("0.001"), rounding="ROUND_FLOOR")
    net_per_hour = commitment / (Decimal(1) - d) - commitment
    assert Decimal(f.evidence["commitment_usd_per_hour"]) == commitment
    assert abs(f.monthly_savings_usd - net_per_hour * 730) <= Decimal("0.01")
    assert f.evidence["rates_source"].startswith("observed on savings-plan covered lines")


def test_two_rate_sources_at_once_are_refused(tmp_path: Path) -> None:
    acct = _account()
    with pytest.raises(UserError, match="both set"):
        load_all()["savings-plan"].run(
            acct, _inventory(acct), {"rates_file": "r.json", "rates_billing_db": "b.duckdb"}
        )
