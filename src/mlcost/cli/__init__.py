"""The ``mlcost`` command line: one Typer app, one module per command group."""

from __future__ import annotations

import sys

import typer

from mlcost.errors import UserError

app = typer.Typer(
    name="mlcost",
    help="Find and cut wasted spend on ML infrastructure in AWS.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register() -> None:
    from mlcost.cli import agent, billing, demo, explain, fix, plan, policy, prices, scan, schedule

    scan.register(app)
    fix.register(app)
    demo.register(app)
    explain.register(app)
    app.add_typer(prices.app, name="prices")
    app.add_typer(agent.app, name="agent")
    app.add_typer(billing.app, name="billing")
    app.add_typer(plan.app, name="plan")
    app.add_typer(policy.app, name="policy")
    app.add_typer(schedule.app, name="schedule")


_register()


def main() -> None:
    """Entry point: user errors become one line on stderr and exit code 2, never a traceback."""
    try:
        app()
    except UserError as err:
        typer.echo(f"error: {err}", err=True)
        sys.exit(2)
