"""`mlcost scan`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the `scan` command to the root app."""
