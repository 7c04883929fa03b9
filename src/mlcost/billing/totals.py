"""Total rows of the report's list sections, and the ML share of the bill.

WHY in Python over the section's own rows: a total is the sum of what the section lists, so
it is added from those rows (Decimal, exact) rather than by a second query that could
disagree with them; the list queries stay plain ``GROUP BY`` SQL that compiles for Spark and
Athena. Only columns that add up are totalled: amounts, and hours of unused reservations
(usage amounts of different stages are in different units, so they get no total).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

#: section -> the columns its total row sums
TOTALLED: dict[str, tuple[str, ...]] = {
    "by_service": ("effective_cost", "billed_cost"),
    "by_stage": ("effective_cost",),
    "by_family": ("effective_cost",),
    "by_tag": ("effective_cost",),
    "daily": ("effective_cost",),
    "unused_reservations": ("unused_hours", "unused_cost"),
}


def section_total(section: str, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The sums of the section's totalled columns; ``None`` for a single-row section.

    An empty list totals 0, so "nothing unused" reads as 0 rather than as a missing figure.
    """
    cols = TOTALLED.get(section)
    if cols is None:
        return None
    out: dict[str, Any] = {}
    for c in cols:
        values = [r[c] for r in rows if r.get(c) is not None]
        # amounts are DECIMAL, hours DOUBLE: the total keeps the column's type, also when empty
        out[c] = sum(values, Decimal(0) if "cost" in c else 0.0)
    return out


def ml_share(row: dict[str, Any]) -> dict[str, Any]:
    """The bill-total row with ``ml_share``: ML effective cost / all effective cost (4 places;
    ``None`` for a bill that sums to 0)."""
    ml, bill = Decimal(row["ml_effective_cost"] or 0), Decimal(row["bill_effective_cost"] or 0)
    return {**row, "ml_share": (ml / bill).quantize(Decimal("0.0001")) if bill else None}
