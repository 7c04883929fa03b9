"""A pass's report as JSON (Lambda, ``--format json``) and as Rich tables (the terminal)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from mlcost.schedule.desired import WeekView
from mlcost.schedule.run import PassReport
from mlcost.schedule.saving import ScheduleSaving


def report_dict(report: PassReport) -> dict[str, Any]:
    """The pass as plain data: its steps, the earlier actions it confirmed, its problems."""

    def step(s: Any) -> dict[str, Any]:
        return {
            "schedule": s.schedule,
            "via": s.via,
            "kind": s.member.kind,
            "region": s.member.region,
            "resource_id": s.member.resource_id,
            "status": s.member.status,
            "desired": s.desired,
            "action": s.action,
            "outcome": s.outcome,
            "reason": s.reason,
            "journal_id": s.fix_id,
        }

    return {
        "at": report.at.isoformat(),
        "applied": report.applied,
        "resumed": [step(s) for s in report.resumed],
        "steps": [step(s) for s in report.steps],
        "confirmations": [
            {
                "journal_id": c.fix_id,
                "action": c.action,
                "kind": c.kind,
                "resource_id": c.resource_id,
                "region": c.region,
                "held": c.held,
                "detail": c.detail,
            }
            for c in report.confirmations
        ],
        "problems": list(report.problems),
    }


def print_pass(console: Console, report: PassReport) -> None:
    """The resumed actions, the pass's steps, confirmations that did not hold, problems."""
    data = report_dict(report)
    for title, rows in (("resumed from a killed pass", data["resumed"]), ("pass", data["steps"])):
        if not rows and title != "pass":
            continue
        table = Table(title=f"schedule {title} at {report.at:%Y-%m-%d %H:%M %Z}")
        for col in ("schedule", "kind", "resource", "status", "wants", "action", "outcome"):
            table.add_column(col)
        for r in rows:
            outcome = r["outcome"] + (f" ({r['reason']})" if r["reason"] else "")
            table.add_row(
                r["schedule"],
                r["kind"],
                f"{r['region']}/{r['resource_id']}",
                r["status"],
                r["desired"],
                r["action"],
                outcome,
            )
        console.print(table)
    for c in data["confirmations"]:
        if not c["held"]:
            console.print(
                f"[yellow]did not hold:[/] {c['action']} of {c['kind']} {c['resource_id']} "
                f"({c['region']}): now {c['detail']}"
            )
    held = sum(1 for c in data["confirmations"] if c["held"])
    if held:
        console.print(f"{held} earlier action(s) held")
    for problem in data["problems"]:
        console.print(f"[yellow]warning:[/] {problem}")
    if not report.applied and report.changes():
        console.print("dry run: nothing was changed; add --apply to act")


def _clock(t: Any) -> str:
    return "24:00" if t is None else t.strftime("%H:%M")


def print_week(console: Console, name: str, zone: str, week: WeekView) -> None:
    table = Table(title=f"{name} ({zone}): week of {week.days[0][0]:%Y-%m-%d}")
    table.add_column("day")
    table.add_column("running (local time)")
    for day, intervals in week.days:
        text = ", ".join(f"{_clock(a)}-{_clock(b)}" for a, b in intervals) or "stopped all day"
        table.add_row(f"{day:%a %d %b}", text)
    console.print(table)
    console.print(
        f"running {week.running_hours:.2f} h, stopped {week.stopped_hours:.2f} h this week"
    )


def print_saving(console: Console, saving: ScheduleSaving) -> None:
    figure = "unpriced" if saving.monthly_savings_usd is None else f"${saving.monthly_savings_usd}"
    console.print(f"[bold]{saving.schedule}[/]: monthly saving {figure}")
    for line in saving.lines:
        console.print(f"  {line}")
    for warning in saving.warnings:
        console.print(f"  [yellow]warning:[/] {warning}")
