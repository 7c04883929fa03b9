"""`mlcost history --realised`: each applied fix's saving as the bill shows it.

WHY apart from `cli/fix.py`: the journal part of `history` needs no billing database; this
part joins the journal with one (`billing/realised.py`) and renders the two tables (per fix,
per check) or the JSON.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from mlcost.billing.realised import BillSpan, Realised, calibration, measure, to_json
from mlcost.errors import UserError


def history_realised(
    *,
    as_json: bool,
    db: str | None,
    billing_db: Path | None,
    output: Path | None,
    window_days: int,
    console: Console,
) -> None:
    """Measure every done fix of the journal ``db`` against the bill in ``billing_db``."""
    from mlcost.billing import storage
    from mlcost.cli.options import check_output_path, note, write_output
    from mlcost.fix.realised_events import fix_events
    from mlcost.journal import journal

    if billing_db is None:
        raise UserError(
            "--realised reads the bill: no billing database given",
            "pass --billing-db FILE (made by `mlcost billing ingest EXPORT --db FILE`)",
        )
    if not 1 <= window_days <= 90:
        raise UserError(
            f"--window-days must be a whole number of days from 1 to 90, got {window_days}",
            "pass e.g. --window-days 7",
        )
    check_output_path(output)
    with journal(db) as j:
        events = fix_events(j)
    window = timedelta(days=window_days)
    con = storage.open_for_reading(billing_db)
    try:
        span, results = measure(con, events, window=window)
    finally:
        con.close()
    if as_json:
        text = json.dumps(to_json(span, results, window), indent=2)
        if output is None:
            typer.echo(text)
        else:
            write_output(output, text + "\n")
            note(f"wrote {output}")
        return
    out = console if output is None else Console(file=io.StringIO(), width=200, no_color=True)
    render(out, span, results)
    if output is not None:
        write_output(output, out.file.getvalue())  # type: ignore[attr-defined]
        note(f"wrote {output}")


def _usd(value: object) -> str:
    return "" if value is None else f"{value}"


def render(out: Console, span: BillSpan, results: list[Realised]) -> None:
    """The per-fix table and the per-check calibration table."""
    table = Table(
        title=f"realised savings (bill {span.start:%Y-%m-%d %H:%M} to {span.end:%Y-%m-%d %H:%M} "
        "UTC; effective cost, x 730 h)"
    )
    for column in (
        "fix",
        "check",
        "action",
        "resource",
        "fixed (UTC)",
        "$/h before",
        "$/h after",
        "realised/mo",
        "estimate/mo",
        "ratio",
        "status",
        "note",
    ):
        table.add_column(column, overflow="fold")
    for r in results:
        measured = r.realised_monthly is not None
        table.add_row(
            r.event.fix_id,
            r.event.check_id or "",
            r.event.action,
            f"{r.event.resource_id} ({r.event.region})",
            f"{r.event.started_at:%Y-%m-%d %H:%M}",
            f"{r.before.hourly:.4f}" if measured and r.before else "",
            f"{r.after.hourly:.4f}" if measured and r.after else "",
            _usd(r.realised_monthly),
            _usd(r.event.estimated_monthly),
            _usd(r.ratio),
            r.status,
            r.note or "",
        )
    out.print(table)
    table = Table(title="calibration per check (realised / estimate)")
    for column in ("check", "fixes measured", "estimate/mo", "realised/mo", "average ratio"):
        table.add_column(column, overflow="fold")
    for check, c in calibration(results).items():
        table.add_row(
            check,
            str(c.fixes),
            str(c.estimated_monthly),
            str(c.realised_monthly),
            _usd(c.average_ratio),
        )
    out.print(table)
