"""Which input columns a normalising query computes a line's class attributes from.

WHY: ingest keys each line's class by hashing the export's own columns that the class
attributes (account, service, line type, usage type, region, commitment status, tags; see
:data:`mlcost.billing.storage.CLASS_KEY`) are computed from, not the attributes themselves.
Lines that agree in those columns agree in every class attribute, so the attributes are
computed once per class instead of on every line. Reading the list from the SQL itself
(with SQLGlot) keeps it true when a ``normalise_*.sql`` file changes; a hand-kept list that
missed a column would silently give two classes one key.
"""

from __future__ import annotations

from functools import cache

import sqlglot
from sqlglot import exp


@cache
def columns_read(sql: str, outputs: tuple[str, ...]) -> frozenset[str]:
    """The input columns the ``outputs`` of the query ``sql`` are computed from.

    The query reads one relation (``typed``) through CTEs of the form ``SELECT *, expr AS
    name``; a column a CTE defines is followed to the columns its expression reads. SQL this
    cannot follow (a derived table in FROM, ``* REPLACE`` / ``* EXCLUDE``) is a ValueError,
    not a silently shorter list. An alias reused within its own SELECT list comes back as a
    name that is no input column: callers check the names against the columns they know.
    """
    tree = sqlglot.parse_one(sql, read="duckdb")
    if any(isinstance(node, exp.Subquery) for node in tree.find_all(exp.Subquery)):
        raise ValueError("lineage cannot follow a derived table (subquery in FROM); use a CTE")
    for star in tree.find_all(exp.Star):
        if any(star.args.get(k) for k in ("replace", "except_", "rename")):
            raise ValueError("lineage cannot follow * REPLACE / EXCLUDE / RENAME; add a column")
    defined: dict[str, exp.Expression] = {}
    for cte in tree.find_all(exp.CTE):
        for item in cte.this.selects:
            if isinstance(item, exp.Alias):
                defined[item.alias] = item.this
    found: set[str] = set()

    def follow(node: exp.Expression, seen: frozenset[str]) -> None:
        for col in node.find_all(exp.Column):
            if col.name in defined and col.name not in seen:
                follow(defined[col.name], seen | {col.name})
            else:
                found.add(col.name)

    names = set(outputs)
    unknown = names - {item.alias_or_name for item in tree.selects}
    if unknown:
        raise ValueError(f"the query has no output column(s) {sorted(unknown)}")
    for item in tree.selects:
        if item.alias_or_name in names:
            follow(item, frozenset())
    return frozenset(found)
