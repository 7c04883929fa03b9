"""Real exports arrive as folders of parts, and Compute Savings Plans cover non-ML spend too."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from billing_fixtures import SP, cur2_rows
from typer.testing import CliRunner

from mlcost.cli import app

runner = CliRunner()


def _ingest_and_report(db: Path, *paths: Path) -> dict:
    res = runner.invoke(app, ["billing", "ingest", *map(str, paths), "--db", str(db)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["billing", "report", "--db", str(db), "--format", "json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def test_an_export_folder_is_read_part_by_part_and_manifests_are_skipped(tmp_path: Path):
    # AWS Data Exports layout: data/BILLING_PERIOD=YYYY-MM/<name>-0000N.snappy.parquet
    part_dir = tmp_path / "export" / "data" / "BILLING_PERIOD=2025-06"
    part_dir.mkdir(parents=True)
    hour = {"usage_type": "USE1-Train:ml.g5.xlarge", "product": "AmazonSageMaker"}
    pq.write_table(
        cur2_rows([{**hour, "start": "2025-06-01T00:00", "cost": 1.5}]),
        part_dir / "ml-00001.snappy.parquet",
    )
    pq.write_table(
        cur2_rows([{**hour, "start": "2025-06-01T01:00", "cost": 2.25}]),
        part_dir / "ml-00002.snappy.parquet",
    )
    (tmp_path / "export" / "metadata").mkdir()
    (tmp_path / "export" / "metadata" / "ml-Manifest.json").write_text("{}")
    report = _ingest_and_report(tmp_path / "b.duckdb", tmp_path / "export")
    [sagemaker] = [r for r in report["sections"]["by_service"] if r["service"] == "SageMaker"]
    assert float(sagemaker["billed_cost"]) == 3.75  # 1.50 + 2.25, both parts, once each


def test_an_empty_folder_is_a_clear_error(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    res = runner.invoke(
        app, ["billing", "ingest", str(tmp_path / "empty"), "--db", str(tmp_path / "b.duckdb")]
    )
    assert res.exit_code != 0
    assert (
        "no billing export files" in str(res.exception) or "no billing export files" in res.output
    )


def test_a_compute_plan_counts_in_compute_coverage_only(tmp_path: Path):
    # A Compute Savings Plan covering an m5 web server: coverage is per plan type, so it is
    # Compute coverage (over EC2), and no SageMaker coverage appears.
    rows = [
        {
            "start": "2025-06-01T00:00",
            "product": "AmazonEC2",
            "usage_type": "BoxUsage:g5.xlarge",
            "cost": 1.006,
            "od": 1.006,
        },
        {
            "start": "2025-06-01T00:00",
            "product": "AmazonEC2",
            "usage_type": "BoxUsage:m5.xlarge",
            "type": "SavingsPlanCoveredUsage",
            "cost": 0.192,
            "od": 0.192,
            "sp_arn": SP,
            "sp_eff": 0.13,
        },
    ]
    pq.write_table(cur2_rows(rows), tmp_path / "cur.parquet")
    report = _ingest_and_report(tmp_path / "b.duckdb", tmp_path / "cur.parquet")
    [sp] = report["sections"]["savings_plans"]
    assert sp["plan_type"] == "compute"
    # covered: the m5 hour (0.192) of EC2 on-demand 1.006 + 0.192 = 1.198
    assert (sp["covered_on_demand_cost"], sp["eligible_on_demand_cost"]) == ("0.192", "1.198")
    assert sp["coverage"] == "0.1603"  # 0.192 / 1.198 = 0.16027
