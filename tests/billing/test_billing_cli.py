"""The billing and plan commands end to end on a generated bill."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from mlcost.billing import synth
from mlcost.cli import app

runner = CliRunner()


def test_ingest_report_and_plan(tmp_path: Path) -> None:
    f = synth.write(synth.generate_cur2(seed=2, hours=48), tmp_path / "cur.parquet")
    db = tmp_path / "b.duckdb"
    res = runner.invoke(app, ["billing", "ingest", str(f), "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "cur2" in res.output
    res = runner.invoke(
        app, ["billing", "report", "--db", str(db), "--format", "json", "--tag", "team"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert {"by_service", "by_stage", "by_tag", "savings_plans"} <= set(data["sections"])
    out = tmp_path / "r.html"
    res = runner.invoke(
        app, ["billing", "report", "--db", str(db), "--format", "html", "-o", str(out)]
    )
    assert res.exit_code == 0 and out.read_text().startswith("<!doctype html>")
    # the generated plan covers g5 hosting at 36% off; the bill states that rate
    res = runner.invoke(
        app,
        ["plan", "savings-plan", "--db", str(db), "--rates-from-bill", "--family", "g5", "--json"],
    )
    assert res.exit_code == 0, res.output
    plan = json.loads(res.output)
    assert plan["discounts"] == {"g5": "0.3600"}
    assert (
        plan["optimal"]["net_savings_usd_observed"]
        >= plan["rule_of_thumb"]["net_savings_usd_observed"]
    )
    assert "observed on savings-plan covered lines" in plan["rates_source"]


def test_plan_without_rates_is_refused(tmp_path: Path) -> None:
    f = synth.write(synth.generate_cur2(seed=2, hours=6), tmp_path / "cur.parquet")
    db = tmp_path / "b.duckdb"
    runner.invoke(app, ["billing", "ingest", str(f), "--db", str(db)])
    res = runner.invoke(app, ["plan", "savings-plan", "--db", str(db)])
    assert res.exit_code != 0
    assert "rates" in str(res.exception)
