"""Total rows of the list sections and the bill total / ML share, against hand sums.

The bill is SMALL_BILL (billing_fixtures.py; its lines are listed in test_billing_report.py).
Amortised (effective) cost per line: notebook 0.05, training 50.50, covered hosting 0.90
(its negation 0), the plan's unused fee 0.10 (ML, no stage), EC2 g5 1.006, unused p4d
capacity 21.96, S3 0.10 and m5 0.096 (not ML), serverless 0.20.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from billing_fixtures import write_csv
from test_billing_focus12 import FOCUS12_AWS_HEADER, FOCUS12_BILL

from mlcost.billing import report, totals
from mlcost.billing.ingest import ingest


def D(s: str) -> Decimal:  # noqa: N802
    return Decimal(s)


def test_bill_total_and_ml_share(rep: report.Report) -> None:
    (row,) = rep.sections["bill_total"]
    # ML: SageMaker 0.05 + 50.50 + 0.90 + 0.10 + 0.20 = 51.75; EC2 GPU 1.006 + 21.96 = 22.966
    assert row["ml_effective_cost"] == D("74.716")
    # plus S3 0.10 and m5 0.096
    assert row["bill_effective_cost"] == D("74.912")
    # billed: covered 1.41 and its negation -1.41 cancel, the fee is billed at 1.00
    assert row["bill_billed_cost"] == D("74.912")
    assert row["ml_billed_cost"] == D("74.716")
    # 74.716 / 74.912 = 0.99738...
    assert row["ml_share"] == D("0.9974")


def test_list_section_totals(rep: report.Report) -> None:
    assert rep.totals["by_service"] == {
        "effective_cost": D("74.716"),
        "billed_cost": D("74.716"),
    }
    # the plan's fee has no stage: 0.05 + 50.50 + 0.90 + 0.20
    assert rep.totals["by_stage"] == {"effective_cost": D("51.65")}
    # serverless and the fee have no instance family: 74.716 - 0.20 - 0.10
    assert rep.totals["by_family"] == {"effective_cost": D("74.416")}
    assert rep.totals["by_tag"] == {"effective_cost": D("74.716")}
    assert rep.totals["daily"] == {"effective_cost": D("74.716")}
    assert rep.totals["unused_reservations"] == {"unused_hours": 1.0, "unused_cost": D("21.96")}
    # single-row sections have no total row
    assert "forecast" not in rep.totals and "savings_plans" not in rep.totals


def test_unused_reservations_total_over_types(tmp_path: Path) -> None:
    db = tmp_path / "f.duckdb"
    ingest([write_csv(tmp_path / "f.csv", FOCUS12_AWS_HEADER, FOCUS12_BILL)], db)
    rep = report.build(report.duckdb_runner(db))
    # p4d.24xlarge 32.77 for 1 h and g5.12xlarge 5.672 for 1 h
    assert len(rep.sections["unused_reservations"]) == 2
    assert rep.totals["unused_reservations"] == {"unused_hours": 2.0, "unused_cost": D("38.442")}


def test_totals_rendered(rep: report.Report) -> None:
    data = json.loads(report.render_json(rep))
    assert data["totals"]["unused_reservations"] == {"unused_hours": 1.0, "unused_cost": "21.96"}
    assert data["totals"]["by_service"] == {"effective_cost": "74.716", "billed_cost": "74.716"}
    assert data["sections"]["bill_total"][0]["ml_share"] == "0.9974"
    md = report.render_markdown(rep)
    # by_service: amounts rounded to the cent when rendered
    assert "| **total** | **74.72** | **74.72** |" in md
    # region, instance type (blank under the total), hours, cost
    assert "| **total** |  | **1.00** | **21.96** |" in md
    assert "99.7%" in md
    page = report.render_html(rep)
    assert '<tr class="total"><th>total</th><th></th><th>1.00</th><th>21.96</th></tr>' in page


def test_an_empty_list_totals_zero_in_its_columns_types() -> None:
    assert totals.section_total("unused_reservations", []) == {
        "unused_hours": 0.0,
        "unused_cost": Decimal(0),
    }
    assert isinstance(totals.section_total("unused_reservations", [])["unused_cost"], Decimal)
