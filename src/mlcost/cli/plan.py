"""`mlcost plan` commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from mlcost.billing import DEFAULT_DB
from mlcost.billing.savings_plan import PlanType

app = typer.Typer(help="plan", no_args_is_help=True)


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
        int, typer.Option("--term-years", help="with --rates-from-bill: 1 or 3")
    ] = 1,
    payment: Annotated[
        str, typer.Option("--payment", help="with --rates-from-bill")
    ] = "no-upfront",
    region: Annotated[str | None, typer.Option("--region")] = None,
    family: Annotated[str | None, typer.Option("--family", help="instance family, e.g. g5")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The hourly commitment maximising net savings (exact LP) vs the min-hourly-spend rule."""
    from mlcost.billing import savings_plan as sp
    from mlcost.billing.spend_series import hourly_spend, rates_from_bill
    from mlcost.errors import UserError

    if rates is None and not from_bill:
        raise UserError(
            "no savings-plan discount rates given; mlcost does not ship savings-plan rates",
            "pass --rates FILE (discounts with their source) or --rates-from-bill",
        )
    families, spend = hourly_spend(db, plan_type, region, family)
    r = (
        sp.load_rates(rates)
        if rates
        else rates_from_bill(db, plan_type, term_years, payment, region, family)
    )
    if r.plan is not plan_type:
        raise UserError(f"the rates file is for {r.plan.value} plans, not {plan_type.value}")
    res = sp.plan(spend, families, r)
    data = sp.result_json(res, r)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    typer.echo(
        f"{plan_type.value} savings plan over {res.hours} observed hours ({', '.join(families)})"
    )
    typer.echo(f"rates: {r.source}")
    for name in ("optimal", "rule_of_thumb"):
        o = data[name]
        typer.echo(
            f"  {name:13} commit ${o['commitment_usd_per_hour']:.3f}/h  "
            f"net savings ${o['net_savings_usd_observed']:,.2f} observed, "
            f"${o['net_savings_usd_term']:,.2f} over {r.term_years}y  "
            f"utilisation {o['utilisation']:.1%}  coverage {o['coverage']:.1%}"
        )
    best = max(data["optimal"]["net_savings_usd_observed"], 1e-9)
    typer.echo("  commitment $/h   net savings (observed)  utilisation")
    for o in data["curve"]:
        bar = "#" * max(0, int(30 * o["net_savings_usd_observed"] / best))
        typer.echo(
            f"  {o['commitment_usd_per_hour']:>14.3f}  {o['net_savings_usd_observed']:>22,.2f}"
            f"  {o['utilisation']:>10.1%}  {bar}"
        )
