"""Ingest of the real public exports in shared/data/billing, checked against their README sums."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from billing_fixtures import CUR_LEGACY_SAMPLE, FOCUS_SAMPLE

from mlcost.billing.formats import Format
from mlcost.billing.ingest import ingest

pytestmark = pytest.mark.skipif(
    not FOCUS_SAMPLE.exists() or not CUR_LEGACY_SAMPLE.exists(),
    reason="shared billing samples not present",
)


def _q(db: Path, sql: str) -> tuple:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchone()
    finally:
        con.close()


def test_focus_sample_totals_match_readme(tmp_path: Path) -> None:
    db = tmp_path / "b.duckdb"
    [f] = ingest([FOCUS_SAMPLE], db)
    assert f.format is Format.FOCUS and f.rows == 1000
    billed, aws, effective = _q(
        db,
        "SELECT sum(billed_cost), sum(billed_cost) FILTER (WHERE provider = 'AWS'), "
        "sum(effective_cost) FROM line_items",
    )
    assert round(billed, 6) == Decimal("20.520227")
    assert round(aws, 6) == Decimal("18.006639")
    assert round(effective, 6) == Decimal("14.976514")


def test_focus_quirks_null_strings_timestamps_and_json_tags(tmp_path: Path) -> None:
    db = tmp_path / "b.duckdb"
    ingest([FOCUS_SAMPLE], db)
    tagged, months, null_text = _q(
        db,
        "SELECT count(*) FILTER (WHERE cardinality(tags) > 0), "
        "count(DISTINCT date_trunc('month', usage_start)), "
        "count(*) FILTER (WHERE region = 'NULL' OR resource_id = 'NULL') FROM line_items",
    )
    assert tagged == 711  # README: Tags is a JSON object on 711 rows
    assert months == 1  # every ChargePeriodStart is in September 2024
    assert null_text == 0  # literal NULL became SQL NULL


def test_legacy_cur_sample_total_matches_readme(tmp_path: Path) -> None:
    db = tmp_path / "b.duckdb"
    [f] = ingest([CUR_LEGACY_SAMPLE], db)
    assert f.format is Format.CUR_LEGACY and f.rows == 1281
    total, tax = _q(
        db,
        "SELECT sum(billed_cost), count(*) FILTER (WHERE line_item_type = 'Tax') FROM line_items",
    )
    assert round(total, 7) == Decimal("1.6823087")
    assert tax == 12


def test_reingesting_a_file_replaces_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "b.duckdb"
    ingest([CUR_LEGACY_SAMPLE], db)
    ingest([CUR_LEGACY_SAMPLE], db)
    assert _q(db, "SELECT count(*) FROM line_items") == (1281,)


def test_report_states_each_real_exports_bill_total(tmp_path: Path) -> None:
    """The report's bill total is the README's sum of the whole export, ML or not."""
    from mlcost.billing import report

    got = {}
    for name, sample in (("focus", FOCUS_SAMPLE), ("cur", CUR_LEGACY_SAMPLE)):
        db = tmp_path / f"{name}.duckdb"
        ingest([sample], db)
        [got[name]] = report.build(report.duckdb_runner(db)).sections["bill_total"]
    assert round(got["focus"]["bill_billed_cost"], 6) == Decimal("20.520227")
    assert round(got["focus"]["bill_effective_cost"], 6) == Decimal("14.976514")
    assert round(got["cur"]["bill_billed_cost"], 7) == Decimal("1.6823087")
