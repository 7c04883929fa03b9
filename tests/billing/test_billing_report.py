"""Report figures against sums worked out by hand from the small bill in billing_fixtures.py.

The bill (all us-east-1, June 2025):
  01 00:00  USE1-Notebk:ml.t3.medium       0.05   team=vision
  01 01:00  USE1-Train:ml.p4d.24xlarge x2 50.50   team=nlp
  02 00:00  Host:ml.g5.xlarge covered: on-demand 1.41, SP effective 0.90, negation -1.41, vision
  02 00:00  SP recurring fee 1.00, used 0.90 (so 0.10 unused, amortised to SageMaker)
  02 05:00  BoxUsage:g5.xlarge             1.006
  02 06:00  UnusedBox:p4d.24xlarge        21.96
  02 06:00  S3 storage 0.10, BoxUsage:m5.large 0.096 (not ML)
  02 07:00  USE1-ServerlessInf:Mem-4GB     0.20
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from mlcost.billing import report, synth
from mlcost.billing.ingest import ingest


def D(s: str) -> Decimal:  # noqa: N802
    return Decimal(s)


def _by(rows: list[dict], key: str, value: str = "effective_cost") -> dict:
    return {r[key]: r[value] for r in rows}


def test_spend_by_service(rep: report.Report) -> None:
    # SageMaker: 0.05 + 50.50 + 0.90 + 0.10 (unused commitment) + 0.20
    # EC2 GPU: 1.006 + 21.96 (the unused reservation is GPU capacity too)
    assert _by(rep.sections["by_service"], "service") == {
        "SageMaker": D("51.75"),
        "EC2 GPU": D("22.966"),
    }
    assert _by(rep.sections["by_service"], "service", "billed_cost")["SageMaker"] == D("51.75")


def test_spend_by_stage(rep: report.Report) -> None:
    assert _by(rep.sections["by_stage"], "stage") == {
        "notebook": D("0.05"),
        "training": D("50.50"),
        "hosting": D("0.90"),
        "serverless": D("0.20"),
    }
    assert _by(rep.sections["by_stage"], "stage", "usage_amount")["training"] == 2.0


def test_spend_by_family(rep: report.Report) -> None:
    got = {
        (r["service"], r["instance_family"]): r["effective_cost"] for r in rep.sections["by_family"]
    }
    assert got == {
        ("SageMaker", "p4d"): D("50.50"),
        ("SageMaker", "g5"): D("0.90"),
        ("SageMaker", "t3"): D("0.05"),
        ("EC2 GPU", "p4d"): D("21.96"),
        ("EC2 GPU", "g5"): D("1.006"),
    }


def test_spend_by_tag(rep: report.Report) -> None:
    assert _by(rep.sections["by_tag"], "tag_value") == {
        "nlp": D("50.50"),
        "vision": D("0.95"),  # 0.05 + 0.90
        "(untagged)": D("23.266"),  # 0.10 + 1.006 + 21.96 + 0.20
    }


def test_daily_and_forecast(rep: report.Report) -> None:
    daily = {str(r["day"]): r["effective_cost"] for r in rep.sections["daily"]}
    assert daily == {"2025-06-01": D("50.55"), "2025-06-02": D("24.166")}
    [f] = rep.sections["forecast"]
    assert (f["days_elapsed"], f["days_in_month"]) == (2, 30)
    assert f["month_to_date"] == D("74.716")
    assert f["forecast"] == D("1120.74")  # 74.716 / 2 days * 30 days


def test_unused_reservations(rep: report.Report) -> None:
    [u] = rep.sections["unused_reservations"]
    assert (u["region"], u["instance_type"], u["unused_cost"]) == (
        "us-east-1",
        "p4d.24xlarge",
        D("21.96"),
    )


def test_savings_plan_coverage_and_utilisation(rep: report.Report) -> None:
    by_type = {r["plan_type"]: r for r in rep.sections["savings_plans"]}
    sm, compute = by_type["sagemaker"], by_type["compute"]
    assert sm["covered_on_demand_cost"] == D("1.41")
    # SageMaker instance usage: 0.05 + 50.50 + 1.41 (serverless is not covered by any plan in
    # this bill, so only the documented scope counts; EC2 is not a SageMaker plan's)
    assert sm["eligible_on_demand_cost"] == D("51.96")
    assert sm["coverage"] == D("0.0271")  # 1.41 / 51.96 = 0.02714
    assert sm["utilisation"] == D("0.9000")
    # Compute: EC2 g5 1.006 + m5 0.096, nothing covered, nothing committed (ODCR excluded)
    assert (compute["covered_on_demand_cost"], compute["eligible_on_demand_cost"]) == (
        0,
        D("1.102"),
    )
    assert (compute["coverage"], compute["utilisation"]) == (D("0.0000"), None)
    [plan] = rep.sections["savings_plan_commitments"]
    assert (plan["plan_type"], plan["coverage"], plan["utilisation"]) == (
        "sagemaker",
        D("0.0271"),
        D("0.9000"),
    )


def test_renderers(rep: report.Report) -> None:
    data = json.loads(report.render_json(rep))
    assert data["sections"]["by_service"][0] == {
        "service": "SageMaker",
        "effective_cost": "51.75",
        "billed_cost": "51.75",
    }
    md = report.render_markdown(rep)
    assert "| SageMaker | 51.75 | 51.75 |" in md
    page = report.render_html(rep)
    assert (
        "<svg" in page
        and "<script" not in page
        and "http" not in page.replace("http://www.w3.org/2000/svg", "")
    )


def test_cur2_and_focus_of_one_bill_report_the_same(tmp_path: Path) -> None:
    cur = synth.generate_cur2(seed=11, hours=48)
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    ingest([synth.write(cur, tmp_path / "cur.parquet")], a)
    ingest([synth.write(synth.cur2_to_focus(cur), tmp_path / "focus.csv")], b)
    ra = report.build(report.duckdb_runner(a), tag="team")
    rb = report.build(report.duckdb_runner(b), tag="team")
    for section in (
        "by_service",
        "by_stage",
        "by_family",
        "by_tag",
        "daily",
        "unused_reservations",
        "savings_plans",
    ):
        for x, y in zip(ra.sections[section], rb.sections[section], strict=True):
            for k in x:
                if isinstance(x[k], Decimal):
                    assert abs(x[k] - y[k]) < Decimal("1e-8"), (section, k)
                else:
                    assert x[k] == y[k], (section, k)


def test_an_empty_section_is_one_line_with_its_whole_title() -> None:
    """Issue 20: an empty table is narrower than its title, and Rich broke the title
    mid-word; an empty section is now one line naming it."""
    from rich.console import Console

    from mlcost.billing.report import SECTIONS, Report, render_table

    section, title = next((s, t) for s, t in SECTIONS if len(t) > 30)
    console = Console(record=True, width=60, color_system=None)
    render_table(Report(sections={section: []}), console=console)
    lines = console.export_text().splitlines()
    assert lines == [f"{title}: none"]
