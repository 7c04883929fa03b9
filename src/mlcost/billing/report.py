"""ML spend report over the ``line_items`` table: the packaged SQL files, one section each.

The queries are plain SQL files so the same text runs on DuckDB (default), on Spark (see
``spark.py``) and compiles for Athena/Trino via SQLGlot. Money stays Decimal from DuckDB's
DECIMAL(38,10) to the report; it is rounded to the cent only when rendered.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

from mlcost.billing import rollup, storage, totals
from mlcost.billing.queries import sql_text
from mlcost.model import usd

SECTIONS: tuple[tuple[str, str], ...] = (
    ("bill_total", "All spend in the bill and the ML share"),
    ("by_service", "ML spend by service"),
    ("by_stage", "SageMaker spend by stage"),
    ("by_family", "ML spend by instance family"),
    ("by_tag", "ML spend by tag"),
    ("daily", "Daily ML spend"),
    ("forecast", "Month-end forecast"),
    ("unused_reservations", "Unused capacity reservations"),
    ("savings_plans", "Savings-plan coverage and utilisation by plan type"),
    ("savings_plan_commitments", "Savings plans in the bill"),
)

Rows = list[dict[str, Any]]
#: runs one SQL text, returns rows as dicts
Runner = Callable[[str], Rows]


@dataclass(slots=True)
class Report:
    sections: dict[str, Rows] = field(default_factory=dict)
    tag: str | None = None
    #: section -> its total row (the sums of its amount columns), for list sections
    totals: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"tag": self.tag, "sections": self.sections, "totals": self.totals}


def query_text(section: str, tag: str | None = None) -> str:
    """The SQL of one section, with the tag key substituted as a quoted literal."""
    sql = sql_text(f"report_{section}")
    if section == "by_tag":
        key = (tag or "").removeprefix("user_").removeprefix("user:").replace("'", "''")
        literal = {
            "tag": f"'{key}'",
            "user_tag": f"'user_{key}'",
            "user_colon_tag": f"'user:{key}'",
        }
        # one pass: a key holding "{user_tag}" must stay inside its literal, not be replaced
        # again by the next placeholder's literal (which would close the quote)
        sql = re.sub(r"\{(tag|user_tag|user_colon_tag)\}", lambda m: literal[m[1]], sql)
    return sql


def duckdb_runner(db: Path) -> Runner:
    """A runner over the billing database ``db``; sections read the line items summed per
    class and hour where that is much smaller (:mod:`mlcost.billing.rollup`)."""
    con = storage.open_for_reading(db)
    rollup.shadow_line_items(con)

    def run(sql: str) -> Rows:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    return run


def build(run: Runner, tag: str | None = None) -> Report:
    """Run every section; ``by_tag`` only when a tag key is given."""
    rep = Report(tag=tag)
    for section, _ in SECTIONS:
        if section == "by_tag" and not tag:
            continue
        rows = run(query_text(section, tag))
        if section == "savings_plans":
            rows = [_sp_ratios(r) for r in rows]
        if section == "savings_plan_commitments":
            rows = _per_plan(rows, rep.sections.get("savings_plans", []))
        if section == "bill_total":
            rows = [totals.ml_share(r) for r in rows]
        rep.sections[section] = rows
        total = totals.section_total(section, rows)
        if total is not None:
            rep.totals[section] = total
    return rep


def _ratio(a: Any, b: Any) -> Decimal | None:
    """a / b to 4 places; ``None`` where b is 0 (no eligible spend, nothing committed)."""
    a, b = Decimal(a or 0), Decimal(b or 0)
    return (a / b).quantize(Decimal("0.0001")) if b else None


def _sp_ratios(r: dict[str, Any]) -> dict[str, Any]:
    return {
        **r,
        "coverage": _ratio(r["covered_on_demand_cost"], r["eligible_on_demand_cost"]),
        "utilisation": _ratio(r["commitment_used"], r["commitment_total"]),
    }


def _per_plan(rows: Rows, by_type: Rows) -> Rows:
    """Each plan's utilisation, and its coverage: the share of its type's eligible spend it
    covered (the plans of one type add up to the type's coverage)."""
    eligible = {r["plan_type"]: r["eligible_on_demand_cost"] for r in by_type}
    return [
        {
            **r,
            "coverage": _ratio(r["covered_on_demand_cost"], eligible.get(r["plan_type"])),
            "utilisation": _ratio(r["commitment_used"], r["commitment_total"]),
        }
        for r in rows
    ]


# ------------------------------------------------------------------------- rendering


def _cell(v: Any, key: str = "") -> str:
    if isinstance(v, Decimal):
        if key in ("coverage", "utilisation", "ml_share"):
            return f"{v * 100:.1f}%"
        return (
            f"{usd(v):,.2f}"
            if "cost" in key
            or key in ("forecast", "month_to_date", "commitment_used", "commitment_total")
            else f"{v:,.4f}"
        )
    if isinstance(v, float):
        return f"{v:,.2f}"
    if isinstance(v, datetime | date):
        return v.isoformat()
    return "" if v is None else str(v)


def _jsonable(v: Any) -> Any:
    if isinstance(v, Decimal):
        # plain notation without trailing zeros: DECIMAL(38,10) zero is Decimal('0E-10'),
        # which str() renders as "0E-10" and some JSON consumers cannot parse as a number
        return format(v.normalize(), "f")
    if isinstance(v, datetime | date):
        return v.isoformat()
    return v


def _total_cells(rep: Report, section: str, keys: list[str]) -> list[str] | None:
    """The section's total row as cells under ``keys``: 'total' in the first column, the
    sums under their columns, the other columns blank; ``None`` where it has no total."""
    total = rep.totals.get(section)
    if total is None:
        return None
    return [
        "total" if i == 0 else _cell(total[k], k) if k in total else "" for i, k in enumerate(keys)
    ]


def render_json(rep: Report) -> str:
    data = {
        s: [{k: _jsonable(v) for k, v in r.items()} for r in rows]
        for s, rows in rep.sections.items()
    }
    sums = {s: {k: _jsonable(v) for k, v in t.items()} for s, t in rep.totals.items()}
    return json.dumps({"tag": rep.tag, "sections": data, "totals": sums}, indent=2)


def render_markdown(rep: Report) -> str:
    out: list[str] = []
    for section, title in SECTIONS:
        if section not in rep.sections:
            continue
        rows = rep.sections[section]
        out.append(f"## {title}" + (f" ({rep.tag})" if section == "by_tag" else ""))
        out.append("")
        if not rows:
            out.extend(["(none)", ""])
            continue
        keys = list(rows[0])
        out.append("| " + " | ".join(keys) + " |")
        out.append("|" + "---|" * len(keys))
        out.extend("| " + " | ".join(_cell(r[k], k) for k in keys) + " |" for r in rows)
        total = _total_cells(rep, section, keys)
        if total is not None:
            out.append("| " + " | ".join(f"**{c}**" if c else "" for c in total) + " |")
        out.append("")
    return "\n".join(out)


def render_table(rep: Report, console: Console | None = None) -> None:
    """Each section as a Rich table; an empty section as one line ("<title>: none"), since
    an empty table is narrower than its title and Rich would break the title mid-word."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    for section, title in SECTIONS:
        if section not in rep.sections:
            continue
        rows = rep.sections[section]
        if not rows:
            console.print(f"[italic]{title}[/italic]: none", soft_wrap=True)
            continue
        table = Table(title=title)
        keys = list(rows[0])
        for k in keys:
            table.add_column(k)
        for r in rows:
            table.add_row(*(_cell(r[k], k) for k in keys))
        total = _total_cells(rep, section, keys)
        if total is not None:
            table.add_section()
            table.add_row(*total, style="bold")
        console.print(table)


def _svg_bars(labels: list[str], values: list[Decimal], width: int = 520) -> str:
    """A horizontal bar chart as inline SVG (no scripts, no external assets)."""
    from mlcost.charts import bars

    return bars(labels, values, title="ML spend (USD)", width=width)


def render_html(rep: Report) -> str:
    body: list[str] = ["<h1>mlcost billing report</h1>"]
    chart_keys = {
        "by_service": "service",
        "by_stage": "stage",
        "by_family": "instance_family",
        "by_tag": "tag_value",
        "daily": "day",
    }
    for section, title in SECTIONS:
        if section not in rep.sections:
            continue
        rows = rep.sections[section]
        body.append(f"<h2>{html.escape(title)}</h2>")
        if section in chart_keys and rows:
            body.append(
                _svg_bars(
                    [_cell(r[chart_keys[section]]) for r in rows],
                    [Decimal(r["effective_cost"] or 0) for r in rows],
                )
            )
        if not rows:
            body.append("<p>(none)</p>")
            continue
        keys = list(rows[0])
        body.append("<table><tr>" + "".join(f"<th>{html.escape(k)}</th>" for k in keys) + "</tr>")
        body.extend(
            "<tr>" + "".join(f"<td>{html.escape(_cell(r[k], k))}</td>" for k in keys) + "</tr>"
            for r in rows
        )
        total = _total_cells(rep, section, keys)
        if total is not None:
            body.append(
                '<tr class="total">'
                + "".join(f"<th>{html.escape(c)}</th>" for c in total)
                + "</tr>"
            )
        body.append("</table>")
    style = "body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
    return f"<!doctype html><html><head><meta charset='utf-8'><title>mlcost billing report</title><style>{style}</style></head><body>{''.join(body)}</body></html>"
