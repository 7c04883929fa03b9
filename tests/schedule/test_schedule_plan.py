"""`mlcost schedule plan` on moto: what a pass would do at a given local time (no writes), the
week of each schedule, and its monthly saving from catalogue prices (arithmetic below)."""

from __future__ import annotations

import json
from decimal import Decimal

from seed import instance, instance_state, notebook, notebook_status
from typer.testing import CliRunner

from mlcost.cli import app

GOOD = """
[schedules.office-hours]
timezone = "Europe/Berlin"
periods = [{ days = ["mon-fri"], begin = "08:00", end = "18:00" }]
names = ["dev-*"]
"""


def test_plan_shows_the_pass_the_week_and_the_saving_without_writing(aws, tmp_path, monkeypatch):
    notebook("dev-alice", itype="ml.t3.medium")
    gpu = instance({"mlcost:schedule": "office-hours"}, itype="g5.xlarge")
    notebook("prod-serving-nb")  # look-alike: not a member, not in the saving
    (tmp_path / "mlcost.toml").write_text(GOOD)
    monkeypatch.chdir(tmp_path)

    # 07:00 in Berlin on Tuesday 1 December 2026 (UTC+1): everything is still off-hours
    out = CliRunner().invoke(
        app,
        [
            "schedule",
            "plan",
            "--at",
            "2026-12-01T07:00",
            "--tz",
            "Europe/Berlin",
            "--region",
            "us-east-1",
            "--format",
            "json",
        ],
    )
    assert out.exit_code == 0, out.output
    plan = json.loads(out.output)
    assert plan["at"] == "2026-12-01T07:00:00+01:00"
    assert sorted((s["resource_id"], s["action"], s["outcome"]) for s in plan["steps"]) == sorted(
        [("dev-alice", "stop", "would stop"), (gpu, "stop", "would stop")]
    )
    assert notebook_status("dev-alice") == "InService" and instance_state(gpu) == "running"

    office = plan["schedules"]["office-hours"]
    assert office["week"][0] == {"day": "2026-11-30", "running": [["08:00", "18:00"]]}
    assert office["week"][5] == {"day": "2026-12-05", "running": []}
    # 168 h a week (no DST change that week) - 5 x 10 h = 118 off-hours
    assert office["stopped_hours_week"] == "118"
    # ml.t3.medium notebook: $0.05/h (Studio-Notebook feed 2025-06-16, labelled substitution)
    #   0.05 x 1 x 118 x 730/168 = 25.6369... -> $25.64
    # g5.xlarge EC2 on-demand: $1.006/h (Vantage instances.json, 2025-11-30)
    #   1.006 x 1 x 118 x 730/168 = 515.8145... -> $515.81
    # together: (5.9 + 118.708) x 730/168 = 541.4514... -> $541.45
    assert Decimal(office["monthly_savings_usd"]) == Decimal("541.45")
    evidence = "\n".join(office["evidence"])
    assert "ml.t3.medium at $0.05" in evidence and "2025-06-16" in evidence
    assert "g5.xlarge at $1.006/h" in evidence and "2025-11-30" in evidence
    assert "prod-serving-nb" not in evidence


def test_plan_with_an_unpriced_type_gives_no_figure_and_a_warning(aws, tmp_path, monkeypatch):
    notebook("dev-alice", itype="ml.t3.medium")
    (tmp_path / "mlcost.toml").write_text(GOOD)
    monkeypatch.chdir(tmp_path)
    from mlcost.schedule import saving

    def unpriced(itype, region, usage):
        raise saving.Unpriced(f"no {usage} price for {itype} in {region}")

    monkeypatch.setattr(saving, "price", unpriced)
    out = CliRunner().invoke(
        app,
        [
            "schedule",
            "plan",
            "--at",
            "2026-12-01T07:00+01:00",
            "--region",
            "us-east-1",
            "--format",
            "json",
        ],
    )
    office = json.loads(out.output)["schedules"]["office-hours"]
    assert office["monthly_savings_usd"] is None  # never $0
    assert office["warnings"] and "ml.t3.medium" in office["warnings"][0]


def test_plan_table_output_names_the_week_and_the_saving(aws, tmp_path, monkeypatch):
    notebook("dev-alice", itype="ml.t3.medium")
    (tmp_path / "mlcost.toml").write_text(GOOD)
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(
        app,
        [
            "schedule",
            "plan",
            "--at",
            "2026-12-01T19:00",
            "--tz",
            "Europe/Berlin",
            "--region",
            "us-east-1",
        ],
    )
    assert out.exit_code == 0, out.output
    assert "08:00-18:00" in out.output
    assert "monthly saving $25.64" in out.output
