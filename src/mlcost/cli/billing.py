"""`mlcost billing` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="billing", no_args_is_help=True)
