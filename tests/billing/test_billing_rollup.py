"""Report sections read the line items summed per class and hour (billing/rollup.py); each
section must give what it gives over the lines themselves.

WHY: the sums shadow ``line_items`` only for the report's connection. A section that counted
rows, or read a per-line column, would silently change figures; these tests run every
section both ways on a generated bill with many lines per class and hour.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

from mlcost.billing import report, rollup, storage, synth
from mlcost.billing.ingest import ingest
from mlcost.billing.queries import sql_text
from mlcost.billing.savings_plan import PlanType
from mlcost.billing.spend_series import _scoped


@pytest.fixture(scope="module")
def bill_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("rollup")
    # 100 resources per workload share a handful of tag sets: about 4 lines per class and hour
    table = synth.generate_cur2(seed=3, hours=24, resources_per_workload=100)
    path = synth.write(table, tmp / "bill.parquet")
    db = tmp / "bill.duckdb"
    ingest([path], db)
    return db


def _run(con: duckdb.DuckDBPyConnection, section: str) -> list[tuple]:
    return con.execute(report.query_text(section, tag="team")).fetchall()


def _same(a: object, b: object) -> bool:
    # usage amounts are DOUBLE: summed in another order they may differ in the last bits
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)
    return a == b


@pytest.mark.parametrize("section", [s for s, _ in report.SECTIONS])
def test_each_section_sums_the_same_from_the_rollup(bill_db: Path, section: str) -> None:
    lines = storage.open_for_reading(bill_db)
    summed = storage.open_for_reading(bill_db)
    try:
        assert rollup.shadow_line_items(summed, min_lines_per_row=0)
        # the rollup really is smaller: otherwise this test would compare lines with lines
        [(n_lines,)] = lines.execute("SELECT count(*) FROM line_items").fetchall()
        [(n_sums,)] = summed.execute("SELECT count(*) FROM line_items").fetchall()
        assert n_sums * 3 < n_lines
        want, got = _run(lines, section), _run(summed, section)
        assert want, f"{section}: the generated bill should give rows"
        assert len(got) == len(want)
        for w, g in zip(want, got, strict=True):
            assert all(_same(x, y) for x, y in zip(w, g, strict=True)), (section, w, g)
    finally:
        lines.close()
        summed.close()


def test_a_query_for_a_single_lines_resource_fails_instead_of_reading_a_sum(
    bill_db: Path,
) -> None:
    con = storage.open_for_reading(bill_db)
    try:
        assert rollup.shadow_line_items(con, min_lines_per_row=0)
        with pytest.raises(duckdb.BinderException, match="resource_id"):
            con.execute("SELECT resource_id FROM line_items").fetchall()
    finally:
        con.close()


def test_no_rollup_where_each_class_has_about_one_line_per_hour(
    tmp_path: Path, small_bill_parquet: Path
) -> None:
    db = tmp_path / "small.duckdb"
    ingest([small_bill_parquet], db)
    con = storage.open_for_reading(db)
    try:
        assert not rollup.shadow_line_items(con)
        # line_items still reads the lines, per-line columns included
        con.execute("SELECT resource_id FROM line_items").fetchall()
    finally:
        con.close()


def test_the_database_file_is_not_changed_by_a_report(bill_db: Path) -> None:
    before = bill_db.stat().st_mtime_ns, bill_db.stat().st_size
    report.build(report.duckdb_runner(bill_db), tag="team")
    assert (bill_db.stat().st_mtime_ns, bill_db.stat().st_size) == before


@pytest.mark.parametrize("query", ["plan_hourly", "plan_observed_rates"])
@pytest.mark.parametrize("plan", list(PlanType))
def test_the_planner_series_is_the_same_from_the_rollup(
    bill_db: Path, query: str, plan: PlanType
) -> None:
    """The planner reads the sums too (spend_series._open): its series and observed rates
    must equal those read from the lines."""
    family = "g5" if plan is PlanType.EC2_INSTANCE else None
    region = "us-east-1" if plan is PlanType.EC2_INSTANCE else None
    sql = _scoped(sql_text(query), plan, region, family)
    lines = storage.open_for_reading(bill_db)
    summed = storage.open_for_reading(bill_db)
    try:
        assert rollup.shadow_line_items(summed, min_lines_per_row=0)
        want, got = lines.execute(sql).fetchall(), summed.execute(sql).fetchall()
        if query == "plan_hourly" or plan is PlanType.SAGEMAKER:
            assert want, f"{plan} {query}: the generated bill should give rows"
        assert len(got) == len(want)
        for w, g in zip(want, got, strict=True):
            assert all(_same(x, y) for x, y in zip(w, g, strict=True)), (plan, query, w, g)
    finally:
        lines.close()
        summed.close()
