"""Reading an export file: its relation for DuckDB, its column types, its raw header names.

WHY apart from ingest: what a file *is* (CSV or parquet, readable, comma-delimited, which
columns under which names) is decided before any format or normalising question, and the
errors it raises name the file and say what to do.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import duckdb

from mlcost.billing.convert import lit
from mlcost.errors import UserError


def csv_header(path: Path) -> str:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", errors="replace") as fh:
        return fh.readline().strip()


def header_names(header: str) -> list[str]:
    """Column names exactly as the file writes them (quotes removed, no renaming).

    WHY: DuckDB renames a column whose name repeats another's case-insensitively
    (``resourceTags/user:Team`` and ``resourceTags/user:team`` become ``...team_1``); legacy CUR
    tag keys must come from the raw names, which line up with DuckDB's columns by position.
    """
    return next(csv.reader([header]), [])


def describe(
    con: duckdb.DuckDBPyConnection, path: Path, label: str
) -> tuple[str, dict[str, str], dict[str, str]]:
    """(relation SQL, column -> DuckDB type, DuckDB column -> raw header name) for a file.

    The raw names are known only for CSV (for parquet they equal DuckDB's); raises a
    UserError, naming the file as ``label``, saying why a file cannot be read.
    """
    if not path.exists():
        raise UserError(f"{label}: no such file", "check the path")
    if path.stat().st_size == 0:
        raise UserError(f"{label}: the file is empty (0 bytes)", "re-download the export")
    is_csv = path.name.lower().endswith((".csv", ".csv.gz"))
    raw_names: list[str] = []
    if is_csv:
        header = csv_header(path)
        raw_names = header_names(header)
        if len(raw_names) == 1:
            for delim in (";", "\t", "|"):
                if delim in header:
                    raise UserError(
                        f"{label}: the header is delimited by {delim!r}, not by commas",
                        "AWS and FOCUS CSV exports are comma-separated; export again or convert the file",
                    )
        rel = (
            f"read_csv({lit(str(path))}, all_varchar=true, delim=',', quote='\"', escape='\"', "
            "header=true, nullstr=['NULL', ''], strict_mode=true)"
        )
    elif path.name.lower().endswith(".parquet"):
        rel = f"read_parquet({lit(str(path))})"
    else:
        raise UserError(
            f"{label}: unsupported file type",
            "billing exports must be .parquet, .csv, .csv.gz or .csv.zip",
        )
    try:
        cols = con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()
    except duckdb.Error as err:
        kind = "CSV" if is_csv else "parquet"
        raise UserError(
            f"{label}: not a readable {kind} file (truncated or corrupt?): {str(err).splitlines()[0]}",
            "re-download the export; nothing was loaded",
        ) from err
    raw = (
        {c[0]: n for c, n in zip(cols, raw_names, strict=True)}
        if len(raw_names) == len(cols)
        else {c[0]: c[0] for c in cols}
    )
    return rel, {c[0]: c[1] for c in cols}, raw
