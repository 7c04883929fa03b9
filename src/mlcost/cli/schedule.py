"""`mlcost schedule`: start/stop schedules for notebooks, EC2, Studio apps and endpoints.

``run`` is one idempotent pass (dry run unless ``--apply``), for cron or the Lambda that
``deploy`` describes; ``plan`` shows what a pass at a given time would do (reads only), each
schedule's week and its monthly saving; ``check`` validates a schedule file. Exit codes: 0
done, 1 an action failed or an earlier one did not hold, 2 bad input or environment.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.console import Console

from mlcost.cli.fix import DbOption
from mlcost.errors import UserError

if TYPE_CHECKING:
    from mlcost.journal import Journal

app = typer.Typer(
    help="Start/stop schedules (periods, time zones, tags) for notebooks, EC2, Studio apps "
    "and endpoints.",
    no_args_is_help=True,
)

DEFAULT_FILE = "mlcost.toml"

FileOption = Annotated[
    Path,
    typer.Option("--file", "-f", help="Schedule file: mlcost.toml ([schedules.<name>]) or YAML."),
]
RegionOption = Annotated[
    list[str] | None,
    typer.Option("--region", help="Region to act in (repeatable; default: the configured one)."),
]


class Format(StrEnum):
    table = "table"
    json = "json"


def _console() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=180)


def _regions(regions: list[str] | None) -> list[str]:
    import boto3

    from mlcost.cli.scan import default_regions
    from mlcost.sources.aws.session import validate_regions

    return validate_regions(boto3.Session(), regions or default_regions())


def parse_at(raw: str, tz: str | None) -> datetime:
    """``--at`` (ISO 8601) as an aware instant: its own offset, else ``--tz``, else UTC."""
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise UserError(
            f"--at {raw!r} is not a date and time", "write it like 2026-12-01T08:00"
        ) from None
    if tz is not None:
        try:
            zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise UserError(
                f"--tz {tz!r} is not a time zone", "use an IANA name like Europe/Berlin"
            ) from None
        if at.tzinfo is not None:
            raise UserError(f"--at {raw!r} has an offset already", "drop --tz or the offset")
        return at.replace(tzinfo=zone)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


@contextmanager
def _existing_journal(db: str | None) -> Iterator[Journal | None]:
    """The journal when there is one (a dry run or plan must know the endpoints a schedule
    deleted), never created by a command that changes nothing."""
    from mlcost.journal.store import open_journal, resolve_url

    url = resolve_url(db)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        yield None
        return
    j = open_journal(db)
    try:
        yield j
    finally:
        j.dispose()


@app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="The schedule file to validate.")],
) -> None:
    """Validate a schedule file: one line per schedule, or the first mistake (exit 2)."""
    from mlcost.schedule.model import load_schedules

    for name, s in load_schedules(file).items():
        periods = "; ".join(
            f"{','.join(p.days)} {p.begin}-{p.end}"
            + (" (crosses midnight)" if p.crosses_midnight else "")
            for p in s.periods
        )
        typer.echo(f"{name}: {s.timezone}: {periods}")
    typer.echo(f"{file}: ok")


@app.command("run")
def run(
    file: FileOption = Path(DEFAULT_FILE),
    region: RegionOption = None,
    apply: Annotated[bool, typer.Option("--apply", help="Act (default: dry run).")] = False,
    db: DbOption = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """One pass: stop or start each scheduled resource whose state differs from its schedule
    now; confirm that the previous pass's actions held; finish a killed pass's actions."""
    from mlcost.fix.context import Clients
    from mlcost.journal import journal
    from mlcost.schedule.model import load_schedules
    from mlcost.schedule.report import print_pass, report_dict
    from mlcost.schedule.run import SchedulePass

    schedules = load_schedules(file)
    regions = _regions(region)
    if apply:
        with journal(db) as j:
            report = SchedulePass(schedules, regions, Clients(), j, apply=True).run()
    else:
        with _existing_journal(db) as j:
            report = SchedulePass(schedules, regions, Clients(), j, apply=False).run()
    if fmt is Format.json:
        typer.echo(json.dumps(report_dict(report), indent=2, default=str))
    else:
        print_pass(_console(), report)
    failed = any(s.outcome == "failed" for s in [*report.steps, *report.resumed])
    if failed or any(not c.held for c in report.confirmations):
        raise typer.Exit(1)


@app.command("plan")
def plan(
    at: Annotated[str, typer.Option("--at", help="When, e.g. 2026-12-01T08:00.")],
    tz: Annotated[
        str | None, typer.Option("--tz", help="Zone of --at when it has no offset (default UTC).")
    ] = None,
    file: FileOption = Path(DEFAULT_FILE),
    region: RegionOption = None,
    db: DbOption = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """What a pass at --at would do (AWS is only read), each schedule's week, and each
    schedule's monthly saving: off-hours x the catalogue price of what its members bill."""
    from mlcost.fix.context import Clients
    from mlcost.schedule.desired import week_view
    from mlcost.schedule.membership import schedule_for
    from mlcost.schedule.model import load_schedules
    from mlcost.schedule.report import print_pass, print_saving, print_week, report_dict
    from mlcost.schedule.run import SchedulePass
    from mlcost.schedule.saving import schedule_saving

    when = parse_at(at, tz)
    schedules = load_schedules(file)
    regions = _regions(region)
    with _existing_journal(db) as j:
        report = SchedulePass(schedules, regions, Clients(), j, apply=False).run(at=when)
    members = [s.member for s in report.steps]
    weeks, savings = {}, {}
    for name, s in schedules.items():
        week_of = when.astimezone(s.zone).date()
        weeks[name] = week_view(s, week_of)
        mine = [
            m
            for m in members
            if (j := schedule_for(m.name, m.tags, schedules).schedule) and j.name == name
        ]
        savings[name] = schedule_saving(name, weeks[name], week_of, mine)
    if fmt is Format.json:
        out = report_dict(report)
        out["schedules"] = {
            name: {
                "timezone": schedules[name].timezone,
                "week": [
                    {
                        "day": day.isoformat(),
                        "running": [
                            [a.strftime("%H:%M"), "24:00" if b is None else b.strftime("%H:%M")]
                            for a, b in intervals
                        ],
                    }
                    for day, intervals in weeks[name].days
                ],
                "running_hours_week": str(weeks[name].running_hours),
                "stopped_hours_week": str(weeks[name].stopped_hours),
                "monthly_savings_usd": None
                if savings[name].monthly_savings_usd is None
                else str(savings[name].monthly_savings_usd),
                "evidence": savings[name].lines,
                "warnings": savings[name].warnings,
            }
            for name in schedules
        }
        typer.echo(json.dumps(out, indent=2, default=str))
        return
    console = _console()
    print_pass(console, report)
    for name, s in schedules.items():
        print_week(console, name, s.timezone, weeks[name])
        print_saving(console, savings[name])


@app.command("deploy")
def deploy(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the CloudFormation template (the only mode).")
    ] = False,
    file: FileOption = Path(DEFAULT_FILE),
    region: RegionOption = None,
    every: Annotated[int, typer.Option("--every", help="Minutes between passes.")] = 5,
) -> None:
    """Print the CloudFormation template of the schedule Lambda: its EventBridge rule and a
    role allowed exactly what the schedule descriptors declare. Deploy it with
    `aws cloudformation deploy --capabilities CAPABILITY_IAM`."""
    from mlcost.schedule.model import load_schedules
    from mlcost.schedule.template import template

    if not dry_run:
        raise UserError(
            "mlcost does not deploy stacks itself",
            "run `mlcost schedule deploy --dry-run > stack.json` and deploy it with "
            "`aws cloudformation deploy --template-file stack.json --capabilities CAPABILITY_IAM`",
        )
    schedules = load_schedules(file)
    regions = region or _regions(None)
    typer.echo(json.dumps(template(schedules, regions, rate_minutes=every), indent=2))


__all__ = ["app", "parse_at"]
