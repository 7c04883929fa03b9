"""`mlcost prices show` and `info` through the real Typer app."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from mlcost.cli import app
from mlcost.errors import UserError

runner = CliRunner()


def test_show_json_lists_every_usage_with_basis_or_reason() -> None:
    result = runner.invoke(app, ["prices", "show", "g5.xlarge", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["spec"]["gpu_model"] == "NVIDIA A10G" and data["spec"]["vcpu"] == 4
    rows = {r["usage"]: r for r in data["prices"]}
    assert len(rows) == 8
    assert rows["hosting"]["usd_per_hour"] == "1.4084" and rows["hosting"]["basis"] == "list"
    # asynchronous inference: no list price in the snapshot; the real-time rate, labelled
    assert rows["async-inference"]["usd_per_hour"] == "1.4084"
    assert rows["async-inference"]["basis"] == "substitution"
    assert rows["async-inference"]["substituted_from"] == "hosting"
    assert rows["training"]["basis"] == "substitution"
    assert rows["training"]["substituted_from"] == "studio-notebook"
    assert rows["ec2"]["instance_type"] == "g5.xlarge" and rows["ec2"]["date"] == "2025-11-30"
    assert data["ec2_spot"]["spot_savings_pct"] == "56"


def test_show_json_marks_unpriced_with_reason() -> None:
    result = runner.invoke(
        app, ["prices", "show", "ml.g6.2xlarge", "-r", "eu-west-1", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = {r["usage"]: r for r in json.loads(result.stdout)["prices"]}
    assert "mlcost prices refresh" in rows["training"]["unpriced"]
    # g6 is not sold in eu-west-1 (neither EC2 file has the row): unpriced, not borrowed
    assert rows["ec2"]["instance_type"] == "g6.2xlarge" and "unpriced" in rows["ec2"]
    # ... while eu-west-2 has it (ec2_gpu_linux_2025-11-30.csv: g6.2xlarge,eu-west-2,...,1.24095)
    result = runner.invoke(app, ["prices", "show", "g6.2xlarge", "-r", "eu-west-2", "-f", "json"])
    rows = {r["usage"]: r for r in json.loads(result.stdout)["prices"]}
    assert rows["ec2"]["usd_per_hour"] == "1.24095"


def test_show_table_has_prices_and_unpriced_rows() -> None:
    result = runner.invoke(app, ["prices", "show", "ml.g6.2xlarge"])
    assert result.exit_code == 0, result.output
    assert "1.222" in result.stdout  # FMBench hosting line
    assert "unpriced:" in result.stdout  # g6 has no Studio price to substitute for training
    assert "NVIDIA L4" in result.stdout


def test_show_unknown_type_is_a_user_error() -> None:
    result = runner.invoke(app, ["prices", "show", "zz9.huge"])
    assert isinstance(result.exception, UserError)
    assert "unknown instance type" in str(result.exception)


def test_show_unknown_region_is_a_user_error() -> None:
    result = runner.invoke(app, ["prices", "show", "g5.xlarge", "--region", "xx-nowhere-1"])
    assert isinstance(result.exception, UserError)


def test_info_reports_sources_and_dates() -> None:
    result = runner.invoke(app, ["prices", "info"])
    assert result.exit_code == 0
    info = json.loads(result.stdout)
    dates = {s["id"]: s["date"] for s in info["snapshot"]["sources"]}
    assert dates == {
        "studio": "2025-06-16",
        "fmbench": "2025-01-26",
        "ec2_od": "2025-06-13",
        "vantage": "2025-11-30",
        "advisor": "2024-02-28",
    }
    assert info["refreshed"] is None
