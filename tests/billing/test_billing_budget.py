"""Budgets proposed from history and created through the AWS Budgets API (moto)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from mlcost.billing import budget
from mlcost.billing.ingest import ingest
from mlcost.cli import app


@pytest.fixture
def db(tmp_path: Path, small_bill_parquet: Path) -> Path:
    path = tmp_path / "b.duckdb"
    ingest([small_bill_parquet], path)
    return path


def test_proposals_from_history(db: Path) -> None:
    # June 2025 data through the 2nd: SageMaker 51.75 -> 51.75 * 30 / 2 = 776.25; +10% = 853.875
    # EC2 GPU 22.966 -> 344.49; +10% = 378.939
    got = {p.service: p for p in budget.propose(db, Decimal("0.10"))}
    assert got["SageMaker"].basis_usd == Decimal("776.25")
    assert got["SageMaker"].amount_usd == 854
    assert got["EC2 GPU"].amount_usd == 379
    assert got["EC2 GPU"].instance_types == ("g5.xlarge", "p4d.24xlarge")


@mock_aws
def test_create_budgets_with_alerts(db: Path) -> None:
    client = boto3.client("budgets", region_name="us-east-1")
    reqs = [p.request("123456789012", ["finops@example.com"]) for p in budget.propose(db)]
    names = budget.create(client, reqs)
    assert sorted(names) == ["mlcost-ec2-gpu-monthly", "mlcost-sagemaker-monthly"]
    got = client.describe_budget(AccountId="123456789012", BudgetName="mlcost-sagemaker-monthly")
    assert float(got["Budget"]["BudgetLimit"]["Amount"]) == 854
    assert got["Budget"]["TimeUnit"] == "MONTHLY"
    notes = client.describe_notifications_for_budget(
        AccountId="123456789012", BudgetName="mlcost-sagemaker-monthly"
    )["Notifications"]
    assert sorted((n["NotificationType"], n["Threshold"]) for n in notes) == [
        ("ACTUAL", 80.0),
        ("FORECASTED", 100.0),
    ]


@mock_aws
def test_cli_dry_run_creates_nothing_and_apply_creates(db: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["billing", "budget", "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "dry run" in res.output and '"BudgetName": "mlcost-sagemaker-monthly"' in res.output
    client = boto3.client("budgets", region_name="us-east-1")
    assert client.describe_budgets(AccountId="123456789012").get("Budgets", []) == []
    res = runner.invoke(
        app, ["billing", "budget", "--db", str(db), "--apply", "--email", "a@example.com"]
    )
    assert res.exit_code == 0, res.output
    assert len(client.describe_budgets(AccountId="123456789012")["Budgets"]) == 2
