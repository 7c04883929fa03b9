"""Billing databases and bill amounts a user gets wrong: refused with one line, and nothing
is lost or rewritten (issue 20: DuckDB IOExceptions, a failed ingest rewriting a corrupt
file, 9e27 amounts overflowing every report, a -$5M line accepted)."""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def bill(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(a CUR 2.0 CSV, a database holding it)."""
    from mlcost.billing import synth
    from mlcost.billing.ingest import ingest

    folder = tmp_path_factory.mktemp("bill")
    path = synth.write(synth.generate_cur2(hours=6), folder / "cur.csv")
    db = folder / "good.duckdb"
    ingest([path], db)
    return path, db


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _bad_dbs(tmp_path: Path, good: Path) -> dict[str, Path]:
    dbs = {
        "empty": tmp_path / "empty.duckdb",
        "random": tmp_path / "random.duckdb",
        "truncated": tmp_path / "truncated.duckdb",
        "folder": tmp_path / "folder.duckdb",
    }
    dbs["empty"].write_bytes(b"")
    dbs["random"].write_bytes(bytes(range(256)) * 64)
    dbs["truncated"].write_bytes(good.read_bytes()[:5000])  # DuckDB's header, then nothing
    dbs["folder"].mkdir()
    return dbs


@pytest.mark.parametrize("kind", ["empty", "random", "truncated", "folder"])
def test_a_bad_database_is_one_line_for_reads(cli, bill, tmp_path, kind) -> None:
    db = _bad_dbs(tmp_path, bill[1])[kind]
    before = _digest(db) if db.is_file() else None
    for argv in (
        ["billing", "report", "--db", str(db)],
        ["billing", "budget", "--db", str(db)],
        ["plan", "savings-plan", "--db", str(db), "--rates-from-bill"],
    ):
        r = cli(*argv)
        assert r.code == 2, (argv, r.err)
        r.one_error_line(str(db))
    if before is not None:
        assert _digest(db) == before


@pytest.mark.parametrize("kind", ["empty", "random", "truncated", "folder"])
def test_ingest_never_rewrites_a_file_that_is_not_a_billing_database(
    cli, bill, tmp_path, kind
) -> None:
    db = _bad_dbs(tmp_path, bill[1])[kind]
    before = _digest(db) if db.is_file() else None
    r = cli("billing", "ingest", str(bill[0]), "--db", str(db))
    assert r.code == 2
    r.one_error_line(str(db), "left as it is" if kind != "truncated" else str(db))
    if before is not None:
        assert _digest(db) == before  # the corrupt file is exactly as it was
    assert not Path(f"{db}.wal").exists()


def test_a_database_another_process_holds_is_one_line(cli, bill, tmp_path) -> None:
    db = tmp_path / "held.duckdb"
    db.write_bytes(bill[1].read_bytes())
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "sys.stdin.read()",
            str(db),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        for argv in (
            ["billing", "report", "--db", str(db)],
            ["billing", "ingest", str(bill[0]), "--db", str(db)],
        ):
            r = cli(*argv)
            assert r.code == 2
            r.one_error_line(str(db), "in use by another process")
    finally:
        holder.communicate("", timeout=30)


def _with_amount(src: Path, dst: Path, row: int, amount: str) -> Path:
    with src.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[row]["line_item_unblended_cost"] = amount
    with dst.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return dst


def _line_items(db: Path) -> tuple:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*), sum(billed_cost) FROM line_items").fetchone()
    finally:
        con.close()


@pytest.mark.parametrize(
    "amount, why",
    [
        ("9e27", "--max-line-usd"),
        ("-5000000", "--max-line-usd"),
        ("1000000.01", "--max-line-usd"),
        ("nan", "not money"),  # no amount at all
        ("inf", "not money"),
    ],
)
def test_an_absurd_amount_is_refused_with_its_line_and_column(
    cli, bill, tmp_path, amount, why
) -> None:
    db = tmp_path / "b.duckdb"
    db.write_bytes(bill[1].read_bytes())
    before = _line_items(db)
    # data row 3 is line 5 of the file (line 1 is the header)
    bad = _with_amount(bill[0], tmp_path / "bad.csv", 3, amount)
    r = cli("billing", "ingest", str(bad), "--db", str(db))
    assert r.code == 2
    r.one_error_line(str(bad), "line 5", "'line_item_unblended_cost'", why)
    assert _line_items(db) == before  # nothing was loaded
    report = cli("billing", "report", "--db", str(db), "-f", "json")
    assert report.code == 0  # and every report still works (no HUGEINT overflow)


def test_amounts_within_the_ceiling_load_and_the_ceiling_can_be_raised(cli, bill, tmp_path) -> None:
    db = tmp_path / "b.duckdb"
    near = _with_amount(bill[0], tmp_path / "near.csv", 3, "-999999.99")  # a large credit
    r = cli("billing", "ingest", str(near), "--db", str(db))
    assert r.code == 0, r.err
    big = _with_amount(bill[0], tmp_path / "big.csv", 3, "-5000000")
    refused = cli("billing", "ingest", str(big), "--db", str(tmp_path / "c.duckdb"))
    assert refused.code == 2 and "±$1,000,000" in refused.err
    r = cli(
        "billing",
        "ingest",
        str(big),
        "--db",
        str(tmp_path / "c.duckdb"),
        "--max-line-usd",
        "10000000",
    )
    assert r.code == 0, r.err


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_the_ceiling_itself_is_checked(cli, bill, tmp_path, value) -> None:
    r = cli(
        "billing",
        "ingest",
        str(bill[0]),
        "--db",
        str(tmp_path / "x.duckdb"),
        "--max-line-usd",
        value,
    )
    assert r.code == 2
    r.one_error_line("--max-line-usd", value)
    assert not (tmp_path / "x.duckdb").exists()
