"""The plan a dry run prints: per fix, what changes and in which order, what is snapshotted
first, and the monthly saving. It reads nothing from AWS and writes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from rich.console import Console
from rich.table import Table

from mlcost.fix.actions import action_for
from mlcost.fix.run import Outcome
from mlcost.model import Finding, usd
from mlcost.report.totals import totals


def _money(value: Decimal | None) -> str:
    return "unpriced" if value is None else f"${usd(value):,.2f}"


def render_plan(chosen: list[Finding], console: Console, *, after: str | None = None) -> None:
    table = Table(
        title="mlcost fix plan" + (f" (deferred by {after})" if after else ""), show_lines=True
    )
    for column in ("#", "finding", "resource", "changes, in order", "snapshot first", "saving/mo"):
        table.add_column(column, overflow="fold")
    for n, finding in enumerate(chosen, 1):
        lines = action_for(finding.fix.action).plan(finding)
        changes = lines.changes
        if after:
            changes = [
                f"tag {finding.resource_id} mlcost:planned-fix; act when due and still idle",
                *changes,
            ]
        table.add_row(
            str(n),
            f"{finding.id}\n{finding.check}",
            f"{finding.resource_kind} {finding.resource_id}\n{finding.region}",
            "\n".join(f"{i}. {c}" for i, c in enumerate(changes, 1)),
            "\n".join(f"- {s}" for s in lines.snapshot),
            _money(finding.monthly_savings_usd),
        )
    console.print(table)
    total = totals(chosen)["monthly_savings_usd"]
    console.print(
        f"{len(chosen)} fix(es), ${usd(total):,.2f} a month (each resource counted once)",
        highlight=False,
    )


def render_outcomes(outcomes: Iterable[Outcome], console: Console) -> None:
    table = Table(title="mlcost fix results")
    for column in ("fix", "kind", "action", "resource", "state", "reason", "saving/mo"):
        table.add_column(column, overflow="fold")
    for o in outcomes:
        table.add_row(
            o.fix_id,
            o.kind,
            o.action,
            f"{o.resource_id} ({o.region})",
            o.state,
            o.reason or "",
            _money(o.monthly_savings_usd) if o.kind == "fix" else "",
        )
    console.print(table)
