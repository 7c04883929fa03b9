"""`mlcost scan --db URL` records what it reports: the same findings, dollars and series."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from mlcost.cli import app, main
from mlcost.journal import journal
from mlcost.journal.tables import findings, scans
from mlcost.model import Endpoint, EndpointVariant, Inventory, MetricSeries, ResourceKind

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _idle_endpoint_inventory(regions, lookback_days, **kw) -> Inventory:
    """One ml.m5.xlarge endpoint, 30 days old, with 48 hours of zero invocations."""
    ep = Endpoint(
        kind=ResourceKind.ENDPOINT,
        id="stale-ep",
        arn="arn:aws:sagemaker:us-east-1:111122223333:endpoint/stale-ep",
        region="us-east-1",
        created=NOW - timedelta(days=30),
        status="InService",
        config_name="stale-ep-config-1",
        variants=[EndpointVariant("AllTraffic", "ml.m5.xlarge", 1)],
    )
    hours = [NOW - timedelta(hours=48 - h) for h in range(48)]
    series = MetricSeries(
        name="Invocations",
        namespace="AWS/SageMaker",
        metric="Invocations",
        dimensions={"EndpointName": "stale-ep", "VariantName": "AllTraffic"},
        stat="Sum",
        period_s=3600,
        timestamps=hours,
        values=[0.0] * 48,
    )
    return Inventory(
        source="aws",
        regions=list(regions),
        lookback_days=lookback_days,
        start=NOW - timedelta(days=lookback_days),
        end=NOW,
        resources=[ep],
        metrics={ep.key: [series]},
    )


def test_scan_db_records_the_reported_findings_with_their_series(tmp_path, monkeypatch):
    import mlcost.sources.aws as aws

    monkeypatch.setattr(aws, "collect_inventory", _idle_endpoint_inventory)
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    run = CliRunner().invoke(
        app, ["scan", "-r", "us-east-1", "--check", "idle-endpoint", "-f", "json", "--db", url]
    )
    assert run.exit_code == 0, run.output
    report = json.loads(run.stdout)
    (reported,) = report["findings"]
    with journal(url) as j, j.engine.connect() as conn:
        (scan,) = conn.execute(sa.select(scans)).mappings().all()
        (row,) = conn.execute(sa.select(findings)).mappings().all()
    assert scan["findings"] == 1 and scan["source"] == "aws"
    assert row["scan_id"] == scan["scan_id"]
    assert row["finding_id"] == reported["id"] and row["check_id"] == "idle-endpoint"
    assert row["finding"] == reported  # the findings JSON's own form
    assert row["monthly_savings_usd"] == Decimal(str(reported["monthly_savings_usd"]))
    (stored,) = row["series"]
    assert stored["metric"] == "Invocations" and len(stored["points"]) == 48
    assert {v for _, v in stored["points"]} == {0.0}


def test_scan_db_refuses_an_unusable_journal_before_scanning(tmp_path, monkeypatch, capsys):
    import mlcost.sources.aws as aws

    called = []
    monkeypatch.setattr(aws, "collect_inventory", lambda *a, **k: called.append(1))
    bad = f"sqlite:///{tmp_path / 'missing-folder' / 'journal.db'}"
    with pytest.raises(SystemExit) as exit_:
        main(["scan", "-r", "us-east-1", "--db", bad])
    assert exit_.value.code == 2
    assert "missing-folder does not exist" in capsys.readouterr().err
    assert called == []  # refused before any AWS read
