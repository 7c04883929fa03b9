"""The packaged SQL files (``src/mlcost/billing/sql/*.sql``), read with their shared parts filled in.

WHY a module of its own: ingest, the reports, the planner and the budget all read these files,
and two kinds of text are shared between them rather than copied: the instance-type
expressions (:mod:`mlcost.instance_types`, also used by the scan) and whole queries that others
build on (``{include:savings_plan_eligible}``: the usage each savings-plan type may cover, read
by the planner and by the report alike).
"""

from __future__ import annotations

import re
from importlib import resources

from mlcost import instance_types

_INCLUDE = re.compile(r"\{include:([a-z_]+)\}")


def _raw(name: str) -> str:
    return resources.files("mlcost.billing").joinpath("sql", f"{name}.sql").read_text()


def sql_text(name: str) -> str:
    """A packaged SQL file's text, with ``{include:<name>}`` replaced by that file's query (in
    parentheses, comments dropped) and the instance-type patterns filled in."""
    text = _raw(name)
    for _ in range(8):  # includes nest a few levels at most; a cycle stops here
        if not _INCLUDE.search(text):
            break
        text = _INCLUDE.sub(lambda m: "(" + _query_only(_raw(m.group(1))) + ")", text)
    for placeholder, value in instance_types.sql_placeholders().items():
        text = text.replace(placeholder, value)
    return text


def _query_only(sql: str) -> str:
    """The query without its comment lines, so an include reads as one expression."""
    return "\n".join(
        line for line in sql.splitlines() if not line.lstrip().startswith("--")
    ).strip()
