"""`mlcost prices` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="prices", no_args_is_help=True)
