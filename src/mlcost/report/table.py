"""The terminal report: a Rich table of findings, largest saving first, with a total row."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mlcost.model import ScanResult
from mlcost.report.text import (
    SUBSTITUTED,
    dollars,
    fix_cell,
    marked,
    partial_note,
    scanned_line,
    substitution_notes,
)
from mlcost.report.totals import totals


def build_table(result: ScanResult) -> Table:
    """The findings table (findings are already sorted by the runner)."""
    t = totals(result.findings)
    table = Table(title=f"mlcost: {len(result.findings)} findings", show_footer=False)
    for name, justify in (
        ("Check", "left"),
        ("Resource", "left"),
        ("Region", "left"),
        ("Monthly cost", "right"),
        ("Monthly saving", "right"),
        ("Fix", "left"),
        ("Risk", "left"),
        ("Conf.", "right"),
    ):
        # Money and scores never wrap; names fold rather than lose their tails to an ellipsis.
        money_or_score = justify == "right"
        table.add_column(
            name,
            justify=justify,  # type: ignore[arg-type]
            no_wrap=money_or_score,
            overflow="ellipsis" if money_or_score else "fold",
        )
    for f in result.findings:
        table.add_row(
            f.check,
            f.resource_id,
            f.region,
            marked(f.monthly_cost_usd, f),
            marked(f.monthly_savings_usd, f),
            fix_cell(f),
            str(f.risk),
            f"{f.confidence:.2f}",
        )
    table.add_section()
    table.add_row(
        "Total",
        f"{len({f.resource_arn or f.resource_id for f in result.findings})} resources",
        partial_note(t["unpriced_findings"]),
        dollars(t["monthly_cost_usd"]),
        dollars(t["monthly_savings_usd"]),
        "",
        "",
        "",
        style="bold",
    )
    return table


def render_table(result: ScanResult, console: Console) -> None:
    """Print the table, then the errors (what was not scanned) and warnings (unpriced types,
    checks that failed) under it. Messages come from AWS and resource names: they are escaped,
    so a ``[`` in them prints as written instead of being read as Rich markup (which would
    swallow text or raise MarkupError)."""
    console.print(build_table(result))
    console.print(escape(scanned_line(result)), markup=True, highlight=False)
    resources = len({f.resource_arn or f.resource_id for f in result.findings})
    if resources < len(result.findings):
        console.print(
            f"{len(result.findings) - resources} finding(s) are on a resource already listed "
            "(e.g. an idle notebook that also lacks auto-stop): the total counts each resource "
            "once, at its largest saving",
            markup=False,
            highlight=False,
        )
    for note in substitution_notes(result.findings):
        console.print(
            f"{SUBSTITUTED} labelled substitution: {escape(note)}", markup=True, highlight=False
        )
    for e in result.errors:
        console.print(
            f"[red]error[/red] {escape(e.region)} {escape(e.service)} {escape(e.operation)}: "
            f"{escape(e.message)}",
            markup=True,
            highlight=False,
        )
    for w in result.warnings:
        console.print(f"[yellow]warning[/yellow] {escape(w)}", markup=True, highlight=False)
