"""`mlcost fix`, `mlcost undo`, `mlcost history`, `mlcost verify`: act on findings, safely.

Dry run unless ``--apply``: the plan is printed and no AWS call changes anything. Every
applied fix is journaled (``--db`` / ``MLCOST_DATABASE_URL``; SQLite under the user's data
directory by default). Exit codes: 0 done (skips are not failures), 1 a fix or undo failed
(or, for ``verify``, a fixed resource came back), 2 bad input or environment.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mlcost.cli.options import OutputOption, ProfileOption, finite, use_profile
from mlcost.cli.scan import ConfigOption
from mlcost.errors import UserError
from mlcost.model import Finding

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Journal database URL (default: $MLCOST_DATABASE_URL, else SQLite "
        "under ~/.local/share/mlcost).",
    ),
]


class HistoryFormat(StrEnum):
    table = "table"
    json = "json"


class RichWaitProgress:
    """A transient Rich bar per wait, on stderr (hidden when stderr is not a terminal)."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )

    def start(self, description: str, total: float) -> Any:
        self._progress.start()
        return self._progress.add_task(description, total=total)

    def update(self, task: Any, elapsed: float) -> None:
        self._progress.update(task, completed=elapsed)

    def finish(self, task: Any) -> None:
        self._progress.remove_task(task)
        self._progress.stop()


def _out() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=180)


def _runner(
    journal,
    *,
    wait_timeout: float = 1800.0,
    poll: float = 15.0,
    settings: dict[str, dict[str, Any]] | None = None,
):
    from mlcost.fix.context import Clients
    from mlcost.fix.run import FixRunner
    from mlcost.fix.waiters import Waiter

    waiter = Waiter(
        timeout_s=wait_timeout, delay_s=poll, progress=RichWaitProgress(Console(stderr=True))
    )
    return FixRunner(journal, Clients(), waiter, settings=settings)


def _findings(
    from_: Path | None,
    region: list[str] | None,
    lookback_days: str,
    checks: list[str] | None = None,
    settings: dict[str, dict[str, Any]] | None = None,
):
    from mlcost.fix.findings import from_scan, load_findings_file

    if from_ is not None:
        return load_findings_file(from_)
    from mlcost.cli.options import err_console, resolve_regions
    from mlcost.cli.scan import parse_lookback_days, run_scan_command

    days = parse_lookback_days(lookback_days)
    regions = resolve_regions(region)
    return from_scan(run_scan_command(regions, days, checks, err_console(), settings=settings))


def _exit_for(outcomes) -> None:
    if any(o.state == "failed" for o in outcomes):
        raise typer.Exit(1)


def _by_hand_note(findings: list[Finding]) -> str:
    """One line per advisory fix mlcost leaves to the user, with the finding ids."""
    by_action: dict[str, list[str]] = {}
    for f in findings:
        by_action.setdefault(f.fix.action, []).append(f.id)
    lines = [f"not applied by mlcost ({len(findings)} finding(s)); carry these out by hand:"]
    lines += [f"  {action}: {', '.join(ids)}" for action, ids in sorted(by_action.items())]
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add `fix`, `undo`, `history` and `verify` to the root app."""

    @app.command()
    def fix(
        finding_ids: Annotated[list[str] | None, typer.Argument(help="Finding ids to fix.")] = None,
        check: Annotated[
            list[str] | None, typer.Option("--check", help="Fix every finding of this check.")
        ] = None,
        all_: Annotated[bool, typer.Option("--all", help="Fix every finding.")] = False,
        from_: Annotated[
            Path | None,
            typer.Option("--from", help="Findings JSON from `mlcost scan --format json`."),
        ] = None,
        apply: Annotated[
            bool, typer.Option("--apply", help="Act (default: print the plan only).")
        ] = False,
        yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
        after: Annotated[
            str | None, typer.Option("--after", help="Defer: tag now, act when due (e.g. 3d).")
        ] = None,
        resume: Annotated[
            bool, typer.Option("--resume", help="Finish the fixes and undos a killed run left.")
        ] = False,
        db: DbOption = None,
        region: Annotated[
            list[str] | None,
            typer.Option("--region", "-r", help="Region to scan (without --from)."),
        ] = None,
        lookback_days: Annotated[str, typer.Option("--lookback-days", metavar="DAYS")] = "14",
        wait_timeout: Annotated[
            float,
            typer.Option(
                "--wait-timeout", metavar="SECONDS", help="Seconds to wait for each new state."
            ),
        ] = 1800.0,
        config: ConfigOption = None,
        profile: ProfileOption = None,
    ) -> None:
        """Apply the fixes of chosen findings: dry run unless --apply; re-checked, snapshotted,
        journaled, undoable."""
        from mlcost.config import load_config
        from mlcost.fix.actions import ACTIONS, action_for
        from mlcost.fix.findings import select
        from mlcost.fix.plan import render_outcomes, render_plan
        from mlcost.fix.run import parse_after
        from mlcost.journal import journal
        from mlcost.journal.store import check_journal

        # the scan's thresholds: the scan (without --from) and every re-check judge with them
        settings = load_config(config).checks
        use_profile(profile)
        finite("--wait-timeout", wait_timeout, low=0, low_open=True, high=86400, example="1800")
        delay = parse_after(after) if after else None
        chosen_any = bool(finding_ids or check or all_)
        if resume and (chosen_any or from_ or after):
            raise UserError("--resume takes no findings", "run `mlcost fix --resume` alone")
        check_journal(db)  # refuse an unusable journal before reading findings or scanning
        out = _out()
        if resume or not chosen_any:
            if not (resume or apply):
                raise UserError(
                    "no finding chosen",
                    "pass finding ids (see `mlcost scan`), --check ID, or --all; "
                    "`mlcost fix --apply` alone runs the deferred fixes that are due",
                )
            with journal(db) as j:
                runner = _runner(j, wait_timeout=wait_timeout, settings=settings)
                # --resume: what a killed run left; --apply alone: the deferred fixes now due
                outcomes = runner.resume() if resume else runner.run_due_deferred()
            if not outcomes:
                out.print("nothing to do: no fix is half-done or deferred", highlight=False)
                return
            render_outcomes(outcomes, out)
            _exit_for(outcomes)
            return
        only = check if check and not (finding_ids or all_) else None
        found = _findings(from_, region, lookback_days, only, settings)
        chosen = select(found, finding_ids or [], check or [], all_)
        for finding in chosen:
            if finding.id in (finding_ids or []):
                action_for(finding.fix.action)  # named, but mlcost cannot apply it: refused
        # Chosen by --all or --check: findings whose fix is advice to carry out by hand
        # (managed spot on the next run of a job, measuring a GPU first) are listed, not fatal.
        by_hand = [f for f in chosen if f.fix.action not in ACTIONS]
        chosen = [f for f in chosen if f.fix.action in ACTIONS]
        if by_hand:
            out.print(_by_hand_note(by_hand), highlight=False)
        # --all never includes a fix that cannot be undone (stopping a job): name it
        named = set(finding_ids or []) | {f.id for f in chosen if f.check in (check or [])}
        held = [f for f in chosen if not ACTIONS[f.fix.action].on_all and f.id not in named]
        if held:
            chosen = [f for f in chosen if f not in held]
            out.print(
                f"left out of --all ({len(held)} finding(s)): their fix cannot be undone; "
                "choose them by id or --check: " + ", ".join(f.id for f in held),
                highlight=False,
            )
        if not chosen:
            out.print("no finding matches: nothing to fix", highlight=False)
            return
        render_plan(chosen, out, after=after)
        if not apply:
            out.print("dry run: nothing was changed; add --apply to act", highlight=False)
            return
        if not yes:
            typer.confirm(f"Apply {len(chosen)} fix(es) to AWS?", abort=True)
        with journal(db) as j:
            outcomes = _runner(j, wait_timeout=wait_timeout, settings=settings).apply(
                found, chosen, after=delay
            )
        render_outcomes(outcomes, out)
        _exit_for(outcomes)

    @app.command()
    def undo(
        fix_id: Annotated[str, typer.Argument(help="The fix to undo (see `mlcost history`).")],
        db: DbOption = None,
        wait_timeout: Annotated[float, typer.Option("--wait-timeout", metavar="SECONDS")] = 1800.0,
    ) -> None:
        """Restore what a fix changed, from its snapshot (journaled and resumable)."""
        finite("--wait-timeout", wait_timeout, low=0, low_open=True, high=86400, example="1800")
        from mlcost.fix.plan import render_outcomes
        from mlcost.journal import journal

        with journal(db) as j:
            outcome = _runner(j, wait_timeout=wait_timeout).undo(fix_id)
            render_outcomes([outcome], _out())
            _exit_for([outcome])

    @app.command()
    def history(
        fmt: Annotated[HistoryFormat, typer.Option("--format", "-f")] = HistoryFormat.table,
        db: DbOption = None,
        output: OutputOption = None,
        realised: Annotated[
            bool,
            typer.Option(
                "--realised",
                help="Each done fix's saving read from the bill (--billing-db), "
                "against its estimate, and the ratio per check.",
            ),
        ] = False,
        billing_db: Annotated[
            Path | None,
            typer.Option(
                "--billing-db", metavar="FILE", help="DuckDB billing database (--realised)."
            ),
        ] = None,
        window_days: Annotated[
            int,
            typer.Option("--window-days", help="Days of bill compared before and after each fix."),
        ] = 7,
    ) -> None:
        """Scans, fixes and undos with state, timestamps, before/after and the monthly saving.

        With --realised: what each done fix saved according to the bill (--billing-db)."""
        import io

        from mlcost.cli.options import check_output_path, note, write_output
        from mlcost.journal import journal
        from mlcost.journal.store import plain

        if realised:
            from mlcost.cli.realised import history_realised

            history_realised(
                as_json=fmt is HistoryFormat.json,
                db=db,
                billing_db=billing_db,
                output=output,
                window_days=window_days,
                console=_out(),
            )
            return
        if billing_db is not None:
            raise UserError(
                "--billing-db is read by --realised only", "add --realised to measure the fixes"
            )
        check_output_path(output)
        with journal(db) as j:
            scans, fixes = j.scans(), j.fixes()
        if fmt is HistoryFormat.json:
            text = json.dumps(plain({"scans": scans, "fixes": fixes}), indent=2)
            if output is None:
                typer.echo(text)
            else:
                write_output(output, text + "\n")
                note(f"wrote {output}")
            return
        out = _out() if output is None else Console(file=io.StringIO(), width=180, no_color=True)
        table = Table(title="scans")
        for column in ("scan", "recorded", "source", "origin", "regions", "findings", "saving/mo"):
            table.add_column(column, overflow="fold")
        for s in scans:
            table.add_row(
                s["scan_id"],
                f"{s['recorded_at']:%Y-%m-%d %H:%M}",
                s["source"],
                s["origin"],
                ", ".join(s["regions"]),
                str(s["findings"]),
                s["monthly_savings_usd"] or "",
            )
        out.print(table)
        table = Table(title="fixes and undos")
        for column in (
            "id",
            "kind",
            "action",
            "resource",
            "state",
            "updated",
            "reason",
            "saving/mo",
        ):
            table.add_column(column, overflow="fold")
        for f in fixes:
            table.add_row(
                f["fix_id"] + (f"\nundoes {f['undoes']}" if f["undoes"] else ""),
                f["kind"],
                f["action"],
                f"{f['resource_id']} ({f['region']})",
                f["state"],
                f"{f['updated_at']:%Y-%m-%d %H:%M}",
                f["reason"] or "",
                (f["monthly_savings_usd"] or "") if f["kind"] == "fix" else "",
            )
        out.print(table)
        if output is not None:
            write_output(output, out.file.getvalue())  # type: ignore[attr-defined]
            note(f"wrote {output}")

    @app.command()
    def verify(db: DbOption = None) -> None:
        """Re-read every resource fixed earlier; report those that came back (exit 1)."""
        from mlcost.journal import journal

        with journal(db) as j:
            report = _runner(j).verify()
        out = _out()
        table = Table(title="mlcost verify")
        for column in ("fix", "action", "resource", "holds", "what came back"):
            table.add_column(column, overflow="fold")
        for fix_row, message in report:
            table.add_row(
                fix_row["fix_id"],
                fix_row["action"],
                f"{fix_row['resource_id']} ({fix_row['region']})",
                "no" if message else "yes",
                message or "",
            )
        out.print(table)
        if any(message for _, message in report):
            raise typer.Exit(1)
