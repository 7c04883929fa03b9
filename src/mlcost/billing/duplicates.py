"""Spot the same bill loaded twice under two names, from a small sample of its line items.

WHY a sample: the same bill saved under two names would be counted twice, but keeping every
line-item identity would double the database. Each file keeps the SKETCH_SIZE smallest
hashes of its line identities (a bottom-k sample); the same bill gives the same sample, and
parts of one export share (almost) none.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from mlcost.billing.formats import Format
from mlcost.errors import UserError

#: the columns that identify a line item (CUR; AWS makes the id unique within one part)
IDENTITY = {
    Format.CUR2: ("identity_line_item_id", "identity_time_interval"),
    Format.CUR_LEGACY: ("identity/LineItemId", "identity/TimeInterval"),
}
#: without identity columns (FOCUS has none): the columns that together tell one line from
#: another of the same bill (a bill sums lines that agree in all of them)
LINE_FIELDS = {
    Format.CUR2: (
        "line_item_usage_start_date",
        "line_item_usage_end_date",
        "line_item_usage_account_id",
        "line_item_line_item_type",
        "line_item_usage_type",
        "line_item_operation",
        "line_item_resource_id",
        "line_item_usage_amount",
        "line_item_unblended_cost",
    ),
    Format.CUR_LEGACY: (
        "lineItem/UsageStartDate",
        "lineItem/UsageEndDate",
        "lineItem/UsageAccountId",
        "lineItem/LineItemType",
        "lineItem/UsageType",
        "lineItem/Operation",
        "lineItem/ResourceId",
        "lineItem/UsageAmount",
        "lineItem/UnblendedCost",
    ),
    Format.FOCUS: (
        "ChargePeriodStart",
        "ChargePeriodEnd",
        "SubAccountId",
        "ChargeCategory",
        "ChargeDescription",
        "ResourceId",
        "SkuPriceId",
        "ConsumedQuantity",
        "BilledCost",
        "EffectiveCost",
    ),
}
#: how many line identities (the smallest hashes) each file remembers
SKETCH_SIZE = 64
#: shared hashes needed before two files count as one bill (all of a smaller sample)
MIN_SHARED = 8


def sketch_fields(fmt: Format, columns: list[str]) -> list[str] | None:
    """The columns whose values identify a line of this file (``None``: too few to tell
    lines apart, so no sample is kept).

    CUR: (line-item id, time interval). FOCUS has no line-item id, and a CUR file may lack
    the identity columns: then the LINE_FIELDS present stand for the line. WHY not the whole
    row: hashing every column (maps included) took 9.5 s per 10M lines.
    """
    # the id alone is not enough: AWS makes it unique only within one part of an export
    fields = list(IDENTITY.get(fmt, ()))
    if fields and all(c in columns for c in fields):
        return fields
    fields = [c for c in LINE_FIELDS[fmt] if c in columns]
    return fields if len(fields) >= 4 else None


def required_fields(fmt: Format, fields: list[str]) -> list[int]:
    """Which of ``fields`` (positions) a line must have to be sampled: all of the identity
    columns; none of the line fields (a blank resource or SKU is normal there)."""
    return list(range(len(fields))) if fields == list(IDENTITY.get(fmt, ())) else []


def sketch_sql(values: list[str], required: list[int]) -> str:
    """The aggregate giving a file's sample: the SKETCH_SIZE smallest distinct hashes of
    ``values`` (SQL expressions over one row, in canonical types so a CSV and a parquet copy
    agree), over the lines where the ``required`` values are present. WHY the filter: a file
    whose identity columns are blank would otherwise hash every line alike, and look like a
    copy of any other such file."""
    where = " AND ".join(f"({values[i]}) IS NOT NULL" for i in required)
    filt = f" FILTER (WHERE {where})" if where else ""
    return f"min(hash({', '.join(values)}), {SKETCH_SIZE}){filt}"


def merge(sketches: list[tuple[int, ...]]) -> tuple[int, ...]:
    """The sample of several parts taken as one file (the members of a zip archive)."""
    return tuple(sorted({h for s in sketches for h in s})[:SKETCH_SIZE])


def refuse_duplicate(con: duckdb.DuckDBPyConnection, path: Path, sketch: tuple[int, ...]) -> None:
    """A UserError when ``path`` repeats the line items of a file already in the database.

    A stray shared identity is tolerated (AWS guarantees the id unique only within one part;
    two small files may share a line by chance): at least half of the smaller sample, and
    at least MIN_SHARED hashes (or all of a smaller sample), must match.
    """
    if not sketch:
        return
    mine = set(sketch)
    for other, theirs in con.execute(
        "SELECT path, key_sketch FROM ingested_files WHERE key_sketch IS NOT NULL AND path <> ?",
        [str(path)],
    ).fetchall():
        shared = len(mine & set(theirs))
        smaller = min(len(mine), len(set(theirs)))
        if shared and shared >= max((smaller + 1) // 2, min(MIN_SHARED, smaller)):
            raise UserError(
                f"{path}: holds the same line items as {other} ({shared} of "
                f"{smaller} sampled line identities match); "
                "loading both would count that bill twice",
                "ingest only one of them (ingesting the same path again replaces it); "
                "nothing was loaded",
            )
