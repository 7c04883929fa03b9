"""The line items summed per class and usage period, for reports that only add money up.

WHY: every report section groups by class attributes (service, stage, family, tag, region)
and by day, and sums amounts. A bill repeats each class once per resource and hour, so the
10M-line benchmark bill sums to 197k (class, hour) rows; building them takes 0.3 s, after
which the eight sections take 0.07 s instead of 1.0 s (docs/benchmarks.md). Sums of DECIMAL
money are exact in any grouping, so the figures are the same to the last digit.

The sums shadow ``line_items`` in the connection's temp schema, with the same column names
less the per-line resource id, so a query that needs a single line fails instead of reading a
sum. The commitment id is kept (summed per class, hour and commitment): the savings-plan
sections report per plan, and only covered and fee lines carry one, so it adds few rows. Counting rows would count sums: report sections must
only add up (tests/billing/test_billing_rollup.py runs each section both ways).
"""

from __future__ import annotations

import duckdb

from mlcost.billing import storage

#: line_items columns that are added up, not grouped by
SUMMED = (
    "usage_amount",
    "billed_cost",
    "effective_cost",
    "list_cost",
    "commitment_used",
    "commitment_total",
)
#: line_items columns that belong to one line and have no meaning for a sum of lines
PER_LINE = ("resource_id",)
#: fewer than this many lines per (class, usage period) on average: not worth summing first
MIN_LINES_PER_ROW = 4.0

_TABLE = "line_item_sums"


def shadow_line_items(
    con: duckdb.DuckDBPyConnection, min_lines_per_row: float = MIN_LINES_PER_ROW
) -> bool:
    """Make ``line_items`` read the sums per (class, usage start, usage end) in this
    connection (a temp view; the database is not changed, and a read-only connection does).

    Returns False, changing nothing, where the sums would not be at least
    ``min_lines_per_row`` times fewer than the lines, by an estimate (classes times hours
    spanned; one scan of the start times): a bill whose every resource carries its own tags
    has about one line per class and hour, and gains nothing. The estimate is no strict
    bound (starts off the hour, several ends per start), and one stray date far away makes
    it large: then the sections just read the lines.
    """
    lines, classes, hours = con.execute(
        "SELECT (SELECT count(*) FROM line_item_facts), (SELECT count(*) FROM line_item_classes), "
        "(SELECT epoch(max(usage_start) - min(usage_start)) / 3600 + 1 FROM line_item_facts)"
    ).fetchone()  # type: ignore[misc]
    if not lines or classes * (hours or 1) * min_lines_per_row > lines:
        return False
    keys = ("class_key", "usage_start", "usage_end", "commitment_id")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_TABLE} AS SELECT {', '.join(keys)}, "
        + ", ".join(f"sum({c}) AS {c}" for c in SUMMED)
        + f" FROM line_item_facts GROUP BY {', '.join(keys)}"
    )
    columns = [c for c in storage.LINE_ITEM_COLUMNS if c not in PER_LINE]
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW line_items AS {storage.line_items_select(_TABLE, columns)}"
    )
    return True
