"""`mlcost plan` commands."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from mlcost.billing import DEFAULT_DB
from mlcost.billing.savings_plan import PlanType
from mlcost.cli.options import OutputOption

app = typer.Typer(
    help="Commitment planning from the ingested bill: the savings-plan hourly commitment "
    "that maximises net savings.",
    no_args_is_help=True,
)


class PlanFormat(StrEnum):
    table = "table"
    json = "json"


class Payment(StrEnum):
    """Savings-plan payment options, as AWS names them."""

    no_upfront = "no-upfront"
    partial_upfront = "partial-upfront"
    all_upfront = "all-upfront"


@app.command("savings-plan")
def savings_plan(
    plan_type: Annotated[
        PlanType, typer.Option("--type", help="savings-plan type")
    ] = PlanType.SAGEMAKER,
    db: Annotated[
        Path, typer.Option("--db", help="billing database (mlcost billing ingest)")
    ] = DEFAULT_DB,
    rates: Annotated[
        Path | None, typer.Option("--rates", help="JSON rates file with its source")
    ] = None,
    from_bill: Annotated[
        bool,
        typer.Option(
            "--rates-from-bill", help="use discounts observed on the bill's covered lines"
        ),
    ] = False,
    term_years: Annotated[
        int, typer.Option("--term-years", metavar="YEARS", help="with --rates-from-bill: 1 or 3")
    ] = 1,
    payment: Annotated[
        Payment, typer.Option("--payment", help="with --rates-from-bill")
    ] = Payment.no_upfront,
    region: Annotated[str | None, typer.Option("--region")] = None,
    family: Annotated[str | None, typer.Option("--family", help="instance family, e.g. g5")] = None,
    fmt: Annotated[PlanFormat, typer.Option("--format", "-f")] = PlanFormat.table,
    output: OutputOption = None,
    as_json: Annotated[bool, typer.Option("--json", hidden=True)] = False,
) -> None:
    """The hourly commitment maximising net savings (exact LP) vs the min-hourly-spend rule."""
    from mlcost.billing import savings_plan as sp
    from mlcost.billing.spend_series import hourly_spend, rates_from_bill
    from mlcost.cli.options import check_output_path, exclusive, note, write_output
    from mlcost.errors import UserError

    exclusive(**{"--rates": rates, "--rates-from-bill": from_bill})
    if term_years not in sp.TERM_YEARS:
        raise UserError(
            f"--term-years must be 1 or 3, got {term_years}",
            "savings plans are sold for 1 or 3 years",
        )
    check_output_path(output)
    as_json = as_json or fmt is PlanFormat.json
    if rates is None and not from_bill:
        raise UserError(
            "no savings-plan discount rates given; mlcost does not ship savings-plan rates",
            "pass --rates FILE (discounts with their source) or --rates-from-bill",
        )
    given = sp.load_rates(rates) if rates else None  # a bad file is refused before any work
    families, spend = hourly_spend(db, plan_type, region, family)
    r = given or rates_from_bill(db, plan_type, term_years, payment.value, region, family)
    if r.plan is not plan_type:
        raise UserError(f"the rates file is for {r.plan.value} plans, not {plan_type.value}")
    res = sp.plan(spend, families, r)
    data = sp.result_json(res, r)
    if as_json:
        if output is not None:
            write_output(output, json.dumps(data, indent=2) + "\n")
            note(f"wrote {output}")
        else:
            typer.echo(json.dumps(data, indent=2))
        return
    lines: list[str] = []
    _table(lines, plan_type, res, r, families, data)
    if output is not None:
        write_output(output, "\n".join(lines) + "\n")
        note(f"wrote {output}")
    else:
        typer.echo("\n".join(lines))


def _table(lines: list[str], plan_type, res, r, families, data) -> None:
    """The plan as text lines: the two commitments, then the net-savings curve."""
    lines.append(
        f"{plan_type.value} savings plan over {res.hours} observed hours ({', '.join(families)})"
    )
    lines.append(f"rates: {r.source}")
    for name in ("optimal", "rule_of_thumb"):
        o = data[name]
        lines.append(
            f"  {name:13} commit ${o['commitment_usd_per_hour']:.3f}/h  "
            f"net savings ${o['net_savings_usd_observed']:,.2f} observed, "
            f"${o['net_savings_usd_term']:,.2f} over {r.term_years}y  "
            f"utilisation {o['utilisation']:.1%}  coverage {o['coverage']:.1%}"
        )
    best = max(data["optimal"]["net_savings_usd_observed"], 1e-9)
    lines.append("  commitment $/h   net savings (observed)  utilisation")
    for o in data["curve"]:
        bar = "#" * max(0, int(30 * o["net_savings_usd_observed"] / best))
        lines.append(
            f"  {o['commitment_usd_per_hour']:>14.3f}  {o['net_savings_usd_observed']:>22,.2f}"
            f"  {o['utilisation']:>10.1%}  {bar}"
        )
