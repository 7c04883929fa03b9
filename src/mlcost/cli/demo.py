"""`mlcost demo`: scan a synthetic ML organisation served by a local AWS emulator.

The demo exercises the real product path: the organisation is created through AWS API calls
on a moto server bound to 127.0.0.1, and `collect_inventory` reads it back exactly as it
would read an account, through ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from mlcost.errors import UserError

DEMO_REGIONS = ["us-east-1", "eu-west-1"]
DEMO_LOOKBACK_DAYS = 21


@contextmanager
def aws_environment(endpoint_url: str) -> Iterator[None]:
    """Point boto3 at the emulator with throwaway credentials; restore the environment after."""
    overrides = {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": "demo",
        "AWS_SECRET_ACCESS_KEY": "demo",
        "AWS_DEFAULT_REGION": DEMO_REGIONS[0],
    }
    removed = ("AWS_PROFILE", "AWS_SESSION_TOKEN")
    saved = {k: os.environ.get(k) for k in [*overrides, *removed]}
    os.environ.update(overrides)
    for key in removed:
        os.environ.pop(key, None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def planted_summary(result, org) -> str | None:
    """Compare the findings with the organisation's manifest of planted waste and look-alikes."""
    expected = getattr(org, "expected", None)
    if not expected:
        return None
    found = {(f.check, f.resource_id) for f in result.findings}
    planted = {(c, r) for c, r in expected.get("flagged", [])}
    lookalikes = {(c, r) for c, r in expected.get("not_flagged", [])}
    hit = len(planted & found)
    false_pos = sorted(lookalikes & found)
    line = (
        f"the demo organisation hides {len(planted)} wasteful resources among busy look-alikes: "
        f"mlcost found {hit} of them and flagged {len(false_pos)} busy look-alike(s)"
    )
    if false_pos:
        line += " (" + ", ".join(f"{c}:{r}" for c, r in false_pos) + ")"
    return line


def next_steps(out: Path) -> str:
    """The "what next" line after the demo: the same scan on a real account, then a fix plan."""
    return (
        "next: run `mlcost scan --region us-east-1` on your own account (read-only; "
        "`mlcost policy self` prints the IAM policy it needs), then `mlcost fix --from "
        f"{out / 'findings.json'} --check idle-endpoint` shows a fix plan without changing anything"
    )


def register(app: typer.Typer) -> None:
    """Add the `demo` command to the root app."""

    @app.command()
    def demo(
        output: Annotated[
            Path | None,
            typer.Option(
                "--output",
                "-o",
                metavar="DIR",
                help="Folder for the JSON and Markdown reports (default: mlcost-report).",
            ),
        ] = None,
        seed: Annotated[int, typer.Option(help="Seed of the synthetic organisation.")] = 7,
        out_alias: Annotated[Path | None, typer.Option("--out", hidden=True)] = None,
        record_db: Annotated[
            str | None,
            typer.Option(
                "--db",
                help="Also record the scan and its findings in this journal database URL "
                "(then `mlcost serve --db URL` shows them).",
            ),
        ] = None,
    ) -> None:
        """Scan a synthetic ML organisation on a local AWS emulator, end to end."""
        from mlcost.cli.options import check_output_path, write_output
        from mlcost.cli.options import err_console as stderr_console

        out = output or out_alias or Path("mlcost-report")
        check_output_path(out, directory=True)  # before the emulator starts
        try:
            from mlcost.demo.emulator import start_server
            from mlcost.demo.org import build_org
            from mlcost.demo.seed import seed_org
        except ImportError as err:  # moto is an optional extra
            raise UserError(
                f"the demo needs the AWS emulator ({err.name} is not installed)",
                "install it with: pip install 'mlcost[demo]'",
            ) from None
        from mlcost import report
        from mlcost.cli.scan import OutputFormat, _collect_and_check, emit

        if record_db is not None:
            from mlcost.journal.store import check_journal

            check_journal(record_db)

        err_console = stderr_console()
        started = time.perf_counter()
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        with start_server() as server, aws_environment(server.endpoint_url):
            err_console.print(f"emulator on {server.endpoint_url}; seeding the demo organisation")
            org = build_org(now=now, seed=seed)
            seed_org(org, server.endpoint_url)
            inventory, result = _collect_and_check(
                DEMO_REGIONS, DEMO_LOOKBACK_DAYS, None, err_console, now=now
            )
        result.source = "demo"
        if record_db is not None:
            from mlcost.journal import journal
            from mlcost.journal.findings import record_scan_result

            with journal(record_db) as j:
                scan_id = record_scan_result(j, result, inventory, origin="demo")
            err_console.print(f"recorded scan {scan_id} in the journal", highlight=False)
        emit(result, OutputFormat.table, None, Console())
        out.mkdir(parents=True, exist_ok=True)
        write_output(out / "findings.json", report.to_json(result))
        write_output(out / "findings.md", report.to_markdown(result))
        summary = planted_summary(result, org)
        if summary:
            err_console.print(summary, highlight=False)
        err_console.print(
            f"wrote {out / 'findings.json'} and {out / 'findings.md'} "
            f"in {time.perf_counter() - started:.1f} s",
            highlight=False,
        )
        err_console.print(next_steps(out), highlight=False, markup=False)
