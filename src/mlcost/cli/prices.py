"""`mlcost prices`: show what the catalogue knows about a type; refresh it from AWS.

``show`` answers "what would mlcost charge for this instance, and on what evidence?": the specs,
then one row per usage with the price, its basis (list or labelled substitution), source and
date, or the reason it is unpriced. ``refresh`` replaces the shipped snapshot's prices with the
AWS Price List API's (see :mod:`mlcost.pricing.refresh`).
"""

from __future__ import annotations

import io
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mlcost.cli.options import OutputOption, ProfileOption
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


def _hourly(usd: str) -> str:
    """A catalogue price as people write it: the catalogue stores ten decimals (1.4100000000),
    the table shows the significant ones, at least cents (1.41, 0.0464); JSON keeps them all."""
    from decimal import Decimal

    text = format(Decimal(usd).normalize(), "f")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


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
            _hourly(row["usd_per_hour"]),
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
    output: OutputOption = None,
) -> None:
    """Specs and, per usage, the price with its basis, source and date (or why unpriced)."""
    from mlcost.cli.options import check_output_path, note, write_output

    check_output_path(output)
    data = describe(instance_type, region)
    if output is not None:
        if fmt is ShowFormat.json:
            text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        else:
            console = Console(width=200, record=True, file=io.StringIO(), no_color=True)
            _print_table(data, console)
            text = console.export_text()
        write_output(output, text)
        note(f"wrote {output}")
    elif fmt is ShowFormat.json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        _print_table(data, Console(width=200))


@app.command()
def info(output: OutputOption = None) -> None:
    """Where the catalogue's prices come from: sources, dates, counts, refreshed overlay (JSON)."""
    from mlcost.cli.options import check_output_path, note, write_output

    check_output_path(output)
    text = json.dumps(catalogue.catalogue_info(), indent=2, default=str, ensure_ascii=False)
    if output is None:
        typer.echo(text)
        return
    write_output(output, text + "\n")
    note(f"wrote {output}")


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0][:300]


def _refused(err: Any) -> UserError:
    """Why the Price List API said no. An answer that is not AWS's (an HTML page from a
    proxy or a wrong endpoint, with only an HTTP status as its code) is not blamed on a
    missing permission."""
    error = err.response.get("Error", {})
    code = str(error.get("Code", ""))
    status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code.isdigit() or not code:
        return UserError(
            f"the endpoint did not answer as the AWS Price List API (HTTP {status or code})",
            "check AWS_ENDPOINT_URL, a proxy, or network access to "
            "api.pricing.us-east-1.amazonaws.com",
        )
    if code in ("AccessDeniedException", "AccessDenied"):
        return UserError(
            f"the AWS Price List API refused the request: {code}",
            "the caller needs pricing:GetProducts; check credentials (AWS_PROFILE) and retry",
        )
    return UserError(
        f"the AWS Price List API refused the request: {code}: {_first_line(err)}",
        "check the credentials (AWS_PROFILE) and retry",
    )


def make_pricing_client() -> Any:
    """The Price List API client; its endpoint is in us-east-1 whatever the scanned region."""
    import boto3

    from mlcost.pricing.refresh import PRICING_ENDPOINT_REGION
    from mlcost.sources.aws.session import bounded

    return boto3.client("pricing", region_name=PRICING_ENDPOINT_REGION, config=bounded())


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
            metavar="DIR",
            help="Directory to write catalogue.json (default: $MLCOST_PRICES_DIR or ~/.cache/mlcost/prices)",
        ),
    ] = None,
    profile: ProfileOption = None,
) -> None:
    """Fetch list prices from the AWS Price List API; they override the shipped snapshot."""
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError
    from rich.progress import Progress

    from mlcost.cli.options import check_output_path, split_regions, use_profile
    from mlcost.pricing import refresh as rf

    use_profile(profile)
    regions = split_regions(region) or list(catalogue.catalogue_info()["regions"])
    out_dir = output or catalogue.prices_dir()
    check_output_path(out_dir, directory=True)
    services = ("AmazonSageMaker", "AmazonEC2")
    client = make_pricing_client()
    fetched: dict[str, Any] = {"schema": 1, "kind": "refreshed", "sources": {}, "prices": {}}
    from mlcost.cli.options import err_console

    console = err_console()
    try:
        with Progress(
            console=console, transient=False, disable=not console.is_terminal
        ) as progress:
            task = progress.add_task("Price List API", total=len(regions) * len(services))
            for service in services:
                for reg in regions:
                    progress.update(task, description=f"{service} {reg}")
                    part = rf.fetch(client, [reg], [service])
                    fetched = rf.merge(fetched, part)
                    progress.advance(task)
    except ClientError as err:
        raise _refused(err) from None
    except (BotoCoreError, ResponseParserError) as err:
        raise UserError(
            f"could not reach the AWS Price List API: {_first_line(err)}",
            "check credentials, AWS_ENDPOINT_URL and network access to "
            "api.pricing.us-east-1.amazonaws.com",
        ) from None
    except (ValueError, KeyError, TypeError) as err:  # JSON price items that are not AWS's
        raise UserError(
            f"the Price List API answered with data mlcost cannot read ({type(err).__name__}: "
            f"{_first_line(err)})",
            "check AWS_ENDPOINT_URL points at the AWS Price List API; nothing was written",
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
