"""`mlcost scan`: read an account, run the checks, print or write the findings."""

from __future__ import annotations

import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from mlcost.cli.options import (
    OutputOption,
    ProfileOption,
    RegionsOption,
    check_output_path,
    err_console,
    resolve_regions,
    use_profile,
)
from mlcost.errors import UserError

#: CloudWatch keeps 1-hour datapoints for 455 days; a longer lookback cannot be read.
MAX_LOOKBACK_DAYS = 455

#: Exit code when every scanned region failed to read (the report is printed first).
EXIT_NOTHING_READ = 3


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


def parse_lookback_days(raw: str) -> int:
    """Accept a whole number of days CloudWatch can serve at hourly resolution."""
    try:
        days = int(raw)
    except ValueError:
        raise UserError(
            f"--lookback-days must be a whole number of days, got {raw!r}",
            "pass e.g. --lookback-days 14",
        ) from None
    if not 1 <= days <= MAX_LOOKBACK_DAYS:
        raise UserError(
            f"--lookback-days must be between 1 and {MAX_LOOKBACK_DAYS}, got {days}",
            "CloudWatch keeps hourly datapoints for 455 days; pass e.g. --lookback-days 14",
        )
    return days


def default_regions() -> list[str]:
    """The region the standard AWS configuration names, when the user gave none."""
    import boto3

    region = boto3.Session().region_name
    if not region:
        raise UserError(
            "no region given and none configured",
            "pass --region us-east-1 (repeatable) or set AWS_REGION / AWS_DEFAULT_REGION",
        )
    return [region]


def emit(result, fmt: OutputFormat, output: Path | None, console: Console) -> None:
    """Write a scan result in the chosen format to a file, or to the terminal.

    A file is written whole or not at all (:func:`mlcost.cli.options.write_output`); its
    path was checked before the scan (:func:`mlcost.cli.options.check_output_path`)."""
    import io

    from mlcost import report
    from mlcost.cli.options import note, write_output

    if fmt is OutputFormat.table:
        if output is not None:
            buffer = io.StringIO()
            report.render_table(result, Console(file=buffer, width=160, no_color=True))
            write_output(output, buffer.getvalue())
            note(f"wrote {fmt.value} report to {output}")
        else:
            # Piped or redirected output has no terminal width; don't squeeze it into 80 columns.
            report.render_table(result, console if console.is_terminal else Console(width=160))
        return
    render = {
        OutputFormat.json: report.to_json,
        OutputFormat.csv: report.to_csv,
        OutputFormat.markdown: report.to_markdown,
    }[fmt]
    text = render(result)
    text = text if text.endswith("\n") else text + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        write_output(output, text)
        note(f"wrote {fmt.value} report to {output}")


def selected_checks(check: list[str] | None, skip: list[str] | None) -> list[str] | None:
    """The check ids to run: ``--check`` ids (every check when none) minus ``--skip-check``
    ids; ``None`` when that is every check. An unknown id in either is a UserError listing
    the ids, and so is a selection that leaves nothing to run."""
    from mlcost.checks import load_all

    registry = load_all()
    unknown = sorted(set(check or []) - set(registry)) + sorted(set(skip or []) - set(registry))
    if unknown:
        raise UserError(
            f"unknown check {', '.join(unknown)}",
            f"choose from {', '.join(sorted(registry))} (`mlcost explain` describes each)",
        )
    if not check and not skip:
        return None
    chosen = list(dict.fromkeys(check)) if check else sorted(registry)
    left = [c for c in chosen if c not in set(skip or [])]
    if not left:
        raise UserError(
            "--skip-check leaves no check to run",
            "skip fewer checks, or name the ones to run with --check",
        )
    return left


def _collect_and_check(
    regions: list[str],
    lookback_days: int,
    checks: list[str] | None,
    console: Console,
    now: datetime | None = None,
    settings: dict[str, dict] | None = None,
):
    """(inventory, result): the scan command needs the inventory to tell "nothing read"."""
    from mlcost.cli.progress import rich_progress
    from mlcost.scan import run_checks
    from mlcost.sources.aws import collect_inventory

    with rich_progress(console) as sink:
        # only what the selected checks read: `--check idle-notebook` lists notebooks only
        inventory = collect_inventory(
            regions, lookback_days, progress=sink, now=now, checks=checks or None
        )
    return inventory, run_checks(inventory, only=checks or None, settings=settings)


def run_scan_command(
    regions: list[str],
    lookback_days: int,
    checks: list[str] | None,
    console: Console,
    now: datetime | None = None,
    settings: dict[str, dict] | None = None,
):
    """Collect a live inventory and run the checks, with a progress bar on stderr.

    ``now`` pins the end of the window (the demo's organisation ends at a fixed hour);
    ``settings`` are per-check overrides (``mlcost.toml``'s ``[checks.<id>]`` tables)."""
    return _collect_and_check(regions, lookback_days, checks, console, now, settings)[1]


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Check settings file ([checks.<check-id>] tables; default ./mlcost.toml "
        "when present).",
    ),
]


def register(app: typer.Typer) -> None:
    """Add the `scan` command to the root app."""

    @app.command()
    def scan(
        region: RegionsOption = None,
        lookback_days: Annotated[
            str,
            typer.Option(
                "--lookback-days", metavar="DAYS", help="Days of metrics and jobs to look at."
            ),
        ] = "14",
        fmt: Annotated[
            OutputFormat, typer.Option("--format", "-f", help="Output format.")
        ] = OutputFormat.table,
        output: OutputOption = None,
        check: Annotated[
            list[str] | None,
            typer.Option("--check", help="Run only this check id; repeat for several."),
        ] = None,
        skip_check: Annotated[
            list[str] | None,
            typer.Option("--skip-check", help="Do not run this check id; repeat for several."),
        ] = None,
        config: ConfigOption = None,
        profile: ProfileOption = None,
        record_db: Annotated[
            str | None,
            typer.Option(
                "--db",
                help="Also record the scan and its findings in this journal database URL "
                "(what `mlcost serve` shows).",
            ),
        ] = None,
    ) -> None:
        """Scan AWS accounts for wasted ML spend: findings with dollars, evidence and fixes.

        Exit codes: 0 the scan ran (regions that failed are listed as errors in the report);
        2 bad input or configuration; 3 nothing could be read: no resource found and every
        region reported an error (the report is still printed).
        """
        from mlcost.config import load_config
        from mlcost.scan import nothing_read

        days = parse_lookback_days(lookback_days)
        check_output_path(output)  # before the scan: a minutes-long result is never lost
        use_profile(profile)
        checks = selected_checks(check, skip_check)  # unknown ids: one line, before any call
        settings = load_config(config).checks  # a bad file fails here, before any AWS call
        regions = resolve_regions(region)
        if record_db is not None:
            from mlcost.journal.store import check_journal

            check_journal(record_db)  # a bad --db fails before the scan, not after it
        console = err_console()
        inventory, result = _collect_and_check(regions, days, checks, console, settings=settings)
        emit(result, fmt, output, Console())
        if record_db is not None:
            from mlcost.cli.options import note
            from mlcost.journal import journal
            from mlcost.journal.findings import record_scan_result

            with journal(record_db) as j:
                scan_id = record_scan_result(j, result, inventory)
            note(f"recorded scan {scan_id} ({len(result.findings)} findings) in the journal")
        if nothing_read(inventory):
            console.print(
                f"error: nothing could be read: every region ({', '.join(regions)}) failed; "
                "see the errors above (credentials, permissions, region names)",
                markup=False,
                highlight=False,
            )
            raise typer.Exit(EXIT_NOTHING_READ)
