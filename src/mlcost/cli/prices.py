"""`mlcost prices`: show what the catalogue knows about a type; refresh it from AWS.

``show`` answers "what would mlcost charge for this instance, and on what evidence?": the specs,
then one row per usage with the price, its basis (list or labelled substitution), source and
date, or the reason it is unpriced. ``refresh`` replaces the shipped snapshot's prices with the
AWS Price List API's (see :mod:`mlcost.pricing.refresh`).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mlcost.errors import UserError
from mlcost.model import Usage
from mlcost.pricing import catalogue
from mlcost.pricing.catalogue import UnknownInstanceType, Unpriced

app = typer.Typer(help="Show or refresh the price catalogue.", no_args_is_help=True)

DEFAULT_REGION = "us-east-1"


class ShowFormat(StrEnum):
    table = "table"
    json = "json"


def _type_for(usage: Usage, bare: str) -> str:
    return bare if usage is Usage.EC2 else f"ml.{bare}"


def describe(instance_type: str, region: str) -> dict[str, Any]:
    """Everything ``show`` prints, as data: specs, a price or unpriced reason per usage, spot.

    ``g5.xlarge`` and ``ml.g5.xlarge`` describe the same hardware: SageMaker usages are priced
    as ``ml.g5.xlarge`` and EC2 as ``g5.xlarge``.
    """
    bare = instance_type.strip().removeprefix("ml.")
    if region not in catalogue.catalogue_info()["regions"]:
        raise UserError(
            f"region {region!r} is not in the price catalogue",
            f"check the code (e.g. us-east-1), or run `mlcost prices refresh --region {region}`",
        )
    try:
        sp = catalogue.spec(instance_type)
        spec_out: dict[str, Any] | None = {
            "vcpu": sp.vcpu,
            "memory_gib": str(sp.memory_gib),
            "gpu_count": sp.gpu_count,
            "gpu_model": sp.gpu_model,
            "gpu_memory_gib": str(sp.gpu_memory_gib),
            "accelerator": sp.accelerator,
        }
    except UnknownInstanceType:
        spec_out = None
    rows: list[dict[str, Any]] = []
    for usage in Usage:
        itype = _type_for(usage, bare)
        try:
            q = catalogue.price(itype, region, usage)
        except Unpriced as err:
            rows.append({"usage": str(usage), "instance_type": itype, "unpriced": str(err)})
            continue
        row = {"usage": str(usage), "instance_type": itype, **q.evidence()}
        row["confidence"] = q.confidence
        rows.append(row)
    if spec_out is None and all("unpriced" in r for r in rows):
        raise UserError(
            f"unknown instance type {instance_type!r}: no specs and no prices in the catalogue",
            "check the spelling (e.g. ml.g5.xlarge or g5.xlarge); `mlcost prices refresh` "
            "adds types AWS has launched since the snapshot",
        )
    spot = catalogue.spot_savings(bare, region)
    return {
        "instance_type": bare,
        "region": region,
        "spec": spec_out,
        "prices": rows,
        "ec2_spot": spot.evidence() if spot else None,
    }


def _print_table(data: dict[str, Any], console: Console) -> None:
    spec = data["spec"]
    if spec is None:
        console.print(f"[bold]{data['instance_type']}[/] — specs unknown")
    else:
        gpus = (
            f", {spec['gpu_count']} x {spec['gpu_model']} ({spec['gpu_memory_gib']} GiB total, "
            f"{spec['accelerator'] or 'other'})"
            if spec["gpu_count"]
            else ""
        )
        console.print(
            f"[bold]{data['instance_type']}[/]: {spec['vcpu']} vCPU, "
            f"{spec['memory_gib']} GiB memory{gpus}"
        )
    table = Table(title=f"prices in {data['region']} (USD per instance-hour)")
    for col in ("usage", "instance type", "USD/h", "basis", "source", "date"):
        table.add_column(col, overflow="fold")
    for row in data["prices"]:
        if "unpriced" in row:
            reason = escape(f"unpriced: {row['unpriced']}")
            table.add_row(row["usage"], row["instance_type"], "—", reason, "", "")
            continue
        basis = row["basis"]
        if "substituted_from" in row:
            basis += f" from {row['substituted_from']} (confidence {row['confidence']})"
        table.add_row(
            row["usage"],
            row["instance_type"],
            row["usd_per_hour"],
            basis,
            escape(row["source"]),
            row["date"],
        )
    console.print(table)
    spot = data["ec2_spot"]
    if spot:
        extra = f", spot ${spot['spot_usd_per_hour']}/h" if "spot_usd_per_hour" in spot else ""
        console.print(
            f"EC2 spot: {spot['spot_savings_pct']}% below on-demand{extra}, interruptions "
            + escape(
                f"{spot['interruption_band']} ({spot['basis']}; {spot['source']}, {spot['date']})"
            )
        )


@app.command()
def show(
    instance_type: Annotated[str, typer.Argument(help="e.g. ml.g5.xlarge or g5.xlarge")],
    region: Annotated[str, typer.Option("--region", "-r", help="AWS Region code")] = DEFAULT_REGION,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f")] = ShowFormat.table,
) -> None:
    """Specs and, per usage, the price with its basis, source and date (or why unpriced)."""
    data = describe(instance_type, region)
    if fmt is ShowFormat.json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        _print_table(data, Console(width=200))


@app.command()
def info() -> None:
    """Where the catalogue's prices come from: sources, dates, counts, refreshed overlay."""
    typer.echo(json.dumps(catalogue.catalogue_info(), indent=2, default=str, ensure_ascii=False))


def make_pricing_client() -> Any:
    """The Price List API client; its endpoint is in us-east-1 whatever the scanned region."""
    import boto3

    from mlcost.pricing.refresh import PRICING_ENDPOINT_REGION

    return boto3.client("pricing", region_name=PRICING_ENDPOINT_REGION)


@app.command()
def refresh(
    region: Annotated[
        list[str] | None,
        typer.Option(
            "--region", "-r", help="Region code (repeatable); default: every snapshot region"
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Directory to write catalogue.json (default: $MLCOST_PRICES_DIR or ~/.cache/mlcost/prices)",
        ),
    ] = None,
) -> None:
    """Fetch list prices from the AWS Price List API; they override the shipped snapshot."""
    from botocore.exceptions import BotoCoreError, ClientError
    from rich.progress import Progress

    from mlcost.pricing import refresh as rf

    regions = region or list(catalogue.catalogue_info()["regions"])
    out_dir = output or catalogue.prices_dir()
    services = ("AmazonSageMaker", "AmazonEC2")
    client = make_pricing_client()
    fetched: dict[str, Any] = {"schema": 1, "kind": "refreshed", "sources": {}, "prices": {}}
    console = Console(stderr=True)
    try:
        with Progress(console=console, transient=False) as progress:
            task = progress.add_task("Price List API", total=len(regions) * len(services))
            for service in services:
                for reg in regions:
                    progress.update(task, description=f"{service} {reg}")
                    part = rf.fetch(client, [reg], [service])
                    fetched = rf.merge(fetched, part)
                    progress.advance(task)
    except ClientError as err:
        raise UserError(
            f"the AWS Price List API refused the request: {err}",
            "the caller needs pricing:GetProducts; check credentials (AWS_PROFILE) and retry",
        ) from None
    except BotoCoreError as err:
        raise UserError(
            f"could not reach the AWS Price List API: {err}",
            "check credentials and network access to api.pricing.us-east-1.amazonaws.com",
        ) from None
    path = rf.write(fetched, out_dir)
    catalogue.reload()
    counts = rf.count(fetched)
    summary = ", ".join(f"{u} {n}" for u, n in counts.items()) or "nothing"
    typer.echo(f"wrote {path}: {summary}")
    if out_dir.resolve() != catalogue.prices_dir().resolve():
        typer.echo(
            f"note: mlcost reads refreshed prices from {catalogue.prices_dir()}; "
            f"set {catalogue.PRICES_DIR_ENV}={out_dir} to use these",
            err=True,
        )
    if not counts:
        typer.echo("warning: the Price List API returned no prices for these regions", err=True)
