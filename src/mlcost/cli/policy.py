"""`mlcost policy`: IAM policies. `self` prints the least-privilege policy mlcost's scan needs."""

from __future__ import annotations

import json
from typing import Annotated

import typer

app = typer.Typer(help="IAM policies: the one mlcost itself needs.", no_args_is_help=True)


@app.command("self")
def policy_self(
    check: Annotated[
        list[str] | None,
        typer.Option("--check", help="Only what these checks read; repeat for several."),
    ] = None,
) -> None:
    """Print the read-only IAM policy `mlcost scan` needs (JSON), computed from the resource
    kinds' descriptors and the checks' needs: attach it to the role the scan runs as."""
    from mlcost.checks import needs_for
    from mlcost.sources.aws.policy import scan_policy

    typer.echo(json.dumps(scan_policy(needs_for(check or None)), indent=2))
