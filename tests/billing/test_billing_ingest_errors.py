"""Bad files give a specific error naming the file and column, and change nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from billing_fixtures import SMALL_BILL, cur2_rows

from mlcost.billing import synth
from mlcost.billing.ingest import ingest
from mlcost.errors import UserError


def _state(db: Path) -> tuple:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return (
            con.execute("SELECT count(*), sum(billed_cost) FROM line_items").fetchone(),
            con.execute("SELECT path, rows FROM ingested_files ORDER BY path").fetchall(),
        )
    finally:
        con.close()


@pytest.fixture
def loaded_db(tmp_path: Path, small_bill_parquet: Path) -> Path:
    db = tmp_path / "b.duckdb"
    ingest([small_bill_parquet], db)
    return db


@pytest.fixture
def focus_csv(tmp_path: Path) -> Path:
    return synth.write(synth.cur2_to_focus(synth.generate_cur2(hours=6)), tmp_path / "focus.csv")


def _fails(db: Path, paths: list[Path], *needles: str) -> None:
    before = _state(db)
    with pytest.raises(UserError) as err:
        ingest(paths, db)
    for n in needles:
        assert n in str(err.value)
    assert _state(db) == before


def test_truncated_parquet(tmp_path: Path, loaded_db: Path) -> None:
    good = tmp_path / "g.parquet"
    pq.write_table(cur2_rows(SMALL_BILL), good)
    bad = tmp_path / "truncated.parquet"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    _fails(loaded_db, [bad], "truncated.parquet", "parquet")


def test_wrong_delimiter(tmp_path: Path, loaded_db: Path, focus_csv: Path) -> None:
    bad = tmp_path / "semicolon.csv"
    bad.write_text(focus_csv.read_text().replace(",", ";"))
    _fails(loaded_db, [bad], "semicolon.csv", "';'", "comma")


def test_focus_missing_required_columns(tmp_path: Path, loaded_db: Path) -> None:
    table = synth.cur2_to_focus(synth.generate_cur2(hours=6)).drop(
        ["BilledCost", "ChargePeriodStart"]
    )
    bad = tmp_path / "focus-missing.parquet"
    pq.write_table(table, bad)
    _fails(loaded_db, [bad], "focus-missing.parquet", "focus", "BilledCost", "ChargePeriodStart")


def test_empty_file(tmp_path: Path, loaded_db: Path) -> None:
    bad = tmp_path / "empty.csv"
    bad.write_bytes(b"")
    _fails(loaded_db, [bad], "empty.csv", "empty")


def test_header_only(tmp_path: Path, loaded_db: Path, focus_csv: Path) -> None:
    bad = tmp_path / "header.csv"
    bad.write_text(focus_csv.read_text().splitlines()[0] + "\n")
    _fails(loaded_db, [bad], "header.csv", "no line items")


def test_bad_money_value_names_column_and_value(tmp_path: Path, loaded_db: Path) -> None:
    table = cur2_rows(SMALL_BILL)
    csv = tmp_path / "cur.csv"
    pacsv.write_csv(table.drop(["resource_tags", "product"]), csv)
    lines = csv.read_text().splitlines()
    header = lines[0].split(",")
    i = header.index('"line_item_unblended_cost"')
    cells = lines[2].split(",")
    cells[i] = '"1.4x"'
    lines[2] = ",".join(cells)
    csv.write_text("\n".join(lines) + "\n")
    _fails(loaded_db, [csv], "cur.csv", "line_item_unblended_cost", "1.4x", "money")


def _typed_bill(tmp_path: Path, column: str, row: int, value: float) -> Path:
    """The small bill as typed parquet (amounts DOUBLE, as AWS writes them) with one amount
    changed: ingest reads such a column's range (min, max), not a count per value."""
    rows = [dict(r) for r in SMALL_BILL]
    rows[row][column] = value
    path = tmp_path / f"typed-{column}-{row}.parquet"
    pq.write_table(cur2_rows(rows), path)
    return path


@pytest.mark.parametrize(
    "key, column, value, shown",
    [
        ("cost", "line_item_unblended_cost", float("inf"), "inf"),
        ("cost", "line_item_unblended_cost", -float("inf"), "-inf"),
        ("od", "pricing_public_on_demand_cost", 1_000_000.01, "1000000.01"),
        ("used", "savings_plan_used_commitment", -5_000_000.0, "-5000000.0"),
    ],
)
def test_an_absurd_typed_amount_is_refused_with_its_row_and_column(
    tmp_path: Path, loaded_db: Path, key: str, column: str, value: float, shown: str
) -> None:
    bad = _typed_bill(tmp_path, key, 2, value)
    # row 3 of the file: rows count from 1; one value, the rest of the column in range
    _fails(loaded_db, [bad], bad.name, repr(column), "1 value(s)", shown, "row 3", "±$1,000,000")


def test_a_nan_typed_amount_is_refused_naming_its_column(tmp_path: Path, loaded_db: Path) -> None:
    """NaN is refused, nothing loaded, but by the cast to DECIMAL, not by the amount check: a
    parquet column's statistics leave NaN out and DuckDB folds the check's ``abs(v) > ceiling``
    to false from them (with two aggregates on one filter). Reading the values without
    statistics propagation costs 0.4 s of CPU per 10M lines (docs/billing.md), so the message
    has no row number."""
    bad = _typed_bill(tmp_path, "cost", 2, float("nan"))
    _fails(loaded_db, [bad], bad.name, "line_item_unblended_cost", "nan", "nothing was loaded")


def test_typed_amounts_at_the_ceiling_load(tmp_path: Path) -> None:
    """Look-alikes: a credit and a charge of exactly $1,000,000 are within the ceiling."""
    rows = [dict(r) for r in SMALL_BILL]
    rows[0]["cost"], rows[1]["cost"] = -1_000_000.0, 1_000_000.0
    path = tmp_path / "edge.parquet"
    pq.write_table(cur2_rows(rows), path)
    db = tmp_path / "edge.duckdb"
    [f] = ingest([path], db)
    assert f.rows == len(SMALL_BILL)
    con = duckdb.connect(str(db), read_only=True)
    try:
        lowest, highest = con.execute(
            "SELECT min(billed_cost), max(billed_cost) FROM line_items"
        ).fetchone()
    finally:
        con.close()
    assert (lowest, highest) == (-1_000_000, 1_000_000)


def test_unknown_columns(tmp_path: Path, loaded_db: Path) -> None:
    bad = tmp_path / "other.csv"
    bad.write_text("a,b\n1,2\n")
    _fails(loaded_db, [bad], "other.csv", "BilledCost")


def test_one_bad_file_in_a_batch_loads_nothing(tmp_path: Path, loaded_db: Path) -> None:
    good = synth.write(synth.generate_cur2(hours=6), tmp_path / "more.parquet")
    bad = tmp_path / "empty.parquet"
    bad.write_bytes(b"")
    _fails(loaded_db, [good, bad], "empty.parquet")


def test_mixed_formats_refused(loaded_db: Path, focus_csv: Path) -> None:
    _fails(loaded_db, [focus_csv], "mixed", "cur2", "focus")


def test_csv_and_parquet_of_one_bill_load_the_same(tmp_path: Path) -> None:
    table = synth.generate_cur2(hours=12)
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    ingest([synth.write(table, tmp_path / "c.parquet")], a)
    ingest([synth.write(table, tmp_path / "c.csv.gz")], b)
    q = "SELECT count(*), sum(billed_cost), sum(effective_cost), count(*) FILTER (WHERE cardinality(tags) > 0) FROM line_items"
    ca, cb = duckdb.connect(str(a)), duckdb.connect(str(b))
    assert ca.execute(q).fetchone() == cb.execute(q).fetchone()


def test_failed_first_ingest_leaves_no_database(tmp_path: Path) -> None:
    bad = tmp_path / "empty.csv"
    bad.write_bytes(b"")
    db = tmp_path / "new.duckdb"
    with pytest.raises(UserError, match="empty"):
        ingest([bad], db)
    assert not db.exists()
    with pytest.raises(UserError, match="no such file"):
        ingest([tmp_path / "missing.parquet"], db)
    assert not db.exists()


def test_parquet_and_csv_classify_every_line_the_same(tmp_path: Path) -> None:
    """Parquet classifies each (service_code, usage_type) pair once and joins; CSV classifies
    per line. Every stored column (bar the file name) must come out identical, row for row."""
    table = synth.generate_cur2(hours=12)
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    ingest([synth.write(table, tmp_path / "c.parquet")], a)
    ingest([synth.write(table, tmp_path / "c.csv")], b)
    q = "SELECT * EXCLUDE (source_file) FROM line_items ORDER BY ALL"
    ca, cb = duckdb.connect(str(a)), duckdb.connect(str(b))
    rows_a, rows_b = ca.execute(q).fetchall(), cb.execute(q).fetchall()
    assert len(rows_a) == table.num_rows
    assert rows_a == rows_b
    # the lookup really classified: SageMaker stages and GPU families are there
    stages = {
        r[0] for r in ca.execute("SELECT DISTINCT sagemaker_stage FROM line_items").fetchall()
    }
    assert {"training", "hosting", "notebook"} <= stages


def test_default_memory_limit_is_capped() -> None:
    from mlcost.billing.ingest import MEMORY_CAP_MB, default_memory_limit

    mb = int(default_memory_limit().removesuffix("MB"))
    assert 256 <= mb <= MEMORY_CAP_MB


def test_ingest_into_a_database_file_older_than_zstd(tmp_path: Path) -> None:
    """resource_id asks for zstd, which DuckDB files older than v1.2 storage cannot hold; such
    a file still loads (with DuckDB's automatic compression) instead of failing."""
    db = tmp_path / "old.duckdb"
    con = duckdb.connect()
    con.execute(f"ATTACH '{db}' AS old (STORAGE_VERSION 'v1.0.0')")
    con.close()
    table = synth.generate_cur2(hours=3)
    [f] = ingest([synth.write(table, tmp_path / "c.parquet")], db)
    assert f.rows == table.num_rows
    with duckdb.connect(str(db), read_only=True) as c:
        assert c.execute("SELECT count(*) FROM line_items").fetchone() == (table.num_rows,)
