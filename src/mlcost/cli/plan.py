"""`mlcost plan` commands."""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from mlcost.billing import DEFAULT_DB
from mlcost.billing.savings_plan import PlanType
from mlcost.cli.options import OutputOption

app = typer.Typer(
    help="Commitment planning from the ingested bill: the savings-plan hourly commitment "
    "that maximises net savings. Also: the cheapest inference option for a traffic trace "
    "within a latency SLO, and on-demand vs managed spot for a training job.",
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


# ---------------------------------------------------------------- plan inference / training

RegionOption = Annotated[
    str, typer.Option("--region", "-r", help="Region of the prices (and of --endpoint/--job).")
]


def _check_region(region: str) -> None:
    from mlcost.errors import UserError
    from mlcost.pricing import catalogue_info

    if region not in catalogue_info()["regions"]:
        raise UserError(
            f"region {region!r} is not in the price catalogue", "check the code, e.g. us-east-1"
        )


def _emit(data: dict, as_json: bool, output: Path | None, lines: list[str]) -> None:
    from mlcost.cli.options import note, write_output

    text = json.dumps(data, indent=2) + "\n" if as_json else "\n".join(lines) + "\n"
    if output is not None:
        write_output(output, text)
        note(f"wrote {output}")
    else:
        typer.echo(text, nl=False)


@app.command("inference")
def inference(
    trace: Annotated[
        Path | None,
        typer.Option("--trace", metavar="FILE", help="A traffic trace (CloudWatch JSON or CSV)."),
    ] = None,
    trace_format: Annotated[
        str | None,
        typer.Option(
            "--trace-format", metavar="FORMAT", help="cloudwatch, azure or csv (default: guessed)."
        ),
    ] = None,
    endpoint: Annotated[
        str | None,
        typer.Option("--endpoint", metavar="NAME", help="Read this endpoint's Invocations live."),
    ] = None,
    days: Annotated[int, typer.Option("--days", help="With --endpoint: days of history.")] = 14,
    slo_p95_ms: Annotated[
        float | None,
        typer.Option("--slo-p95-ms", metavar="MS", help="Latency objective: p95 in ms."),
    ] = None,
    instance_type: Annotated[
        list[str] | None,
        typer.Option(
            "--instance-type",
            metavar="TYPE",
            help="Candidate type (repeat); default: every type with a stored bench run.",
        ),
    ] = None,
    region: RegionOption = "us-east-1",
    db: Annotated[
        str | None, typer.Option("--db", help="Journal database holding the bench runs.")
    ] = None,
    fmt: Annotated[PlanFormat, typer.Option("--format", "-f")] = PlanFormat.table,
    output: OutputOption = None,
) -> None:
    """The cheapest way to host a model for a traffic trace (real-time with autoscaling,
    asynchronous with scale-to-zero, batch transform, serverless) that meets the p95 SLO,
    at each instance type's measured throughput, with every option's cost."""
    from mlcost.cli.options import check_output_path, exclusive, finite
    from mlcost.errors import UserError
    from mlcost.plan import inference as plan
    from mlcost.plan.traces import read_trace

    exclusive(**{"--trace": trace, "--endpoint": endpoint})
    if trace is None and endpoint is None:
        raise UserError(
            "pass --trace FILE or --endpoint NAME", "see `mlcost plan inference --help`"
        )
    if slo_p95_ms is not None:
        finite("--slo-p95-ms", slo_p95_ms, low=0, low_open=True, example="--slo-p95-ms 200")
    if not 1 <= days <= 14:
        raise UserError(
            f"--days must be 1 to 14, got {days}",
            "the planner reads up to 14 days of hourly Invocations; pass --trace for more",
        )
    _check_region(region)
    check_output_path(output)
    warnings: list[str] = []
    observed: list[plan.Capacity] = []
    if trace is not None:
        read = read_trace(trace, trace_format)
        traffic = read.hourly()
        source: dict[str, object] = {"trace": str(trace), "format": str(read.format)}
        if read.tokens:
            source["tokens"] = read.tokens
        if not read.per_request and (read.period_s or 0) > 3600:
            warnings.append(
                f"{trace}: its datapoints are at least {read.period_s / 3600:g} h apart; each "
                "counts as the requests of the hour it starts in, so counts over more than an "
                "hour overstate that hour and shorten the window: read the series with "
                "--period 3600 or less"
            )
    else:
        assert endpoint is not None
        from mlcost.plan.live import endpoint_traffic

        sm, cw = _clients(region)
        traffic, fleet = endpoint_traffic(sm, cw, endpoint, days)
        if traffic.total <= 0:
            raise UserError(
                f"endpoint {endpoint} had no invocations in {days} days",
                "an idle endpoint is `idle-endpoint`'s finding: delete it",
            )
        source = {"endpoint": endpoint, "series": f"AWS/SageMaker {traffic.label} (Sum, hourly)"}
        count = sum(v.instances for v in fleet)
        observed = [plan.observed_capacity(traffic, v.instance_type, count) for v in fleet[:1]]
        if len(fleet) > 1:
            warnings.append(
                f"{endpoint} has {len(fleet)} variants: the observed capacity is per instance "
                "over all of them, on the first variant's type"
            )
    benched = plan.capacities_from_bench(_bench_runs(db), slo_p95_ms)
    wanted = list(dict.fromkeys(instance_type or []))
    caps = {t: c for t, c in benched.items() if not wanted or t in wanted}
    for c in observed:
        caps.setdefault(c.instance_type, c)
    for t in wanted:
        if t not in caps:
            warnings.append(
                f"{t}: no bench run measured its throughput, so it is not sized "
                f"(run `mlcost bench ... --instance-type {t}`)"
            )
    if not caps:
        raise UserError(
            "no measured throughput for any instance type",
            "run `mlcost bench --instance-type T` first, or pass --endpoint NAME",
        )
    data = plan.plan_inference(traffic, list(caps.values()), region, slo_p95_ms=slo_p95_ms)
    data["source"] = source
    data["warnings"] = warnings + data["warnings"]
    _emit(data, fmt is PlanFormat.json, output, _inference_lines(data))


def _clients(region: str):
    """(sagemaker, cloudwatch) clients for ``region``; tests patch this."""
    import boto3

    from mlcost.sources.aws.session import bounded

    return (
        boto3.client("sagemaker", region_name=region, config=bounded()),
        boto3.client("cloudwatch", region_name=region, config=bounded()),
    )


def _bench_runs(db: str | None) -> list[dict]:
    from mlcost.bench.store import runs
    from mlcost.journal import journal
    from mlcost.journal.store import check_journal

    check_journal(db)
    with journal(db) as j:
        return runs(j)


def _inference_lines(data: dict) -> list[str]:
    t = data["traffic"]
    slo = data["slo_p95_ms"]
    lines = [
        f"{t['total_requests']:,} requests over {t['hours']} h (peak {t['peak_hour_requests']:,}"
        f"/h, {t['hours_with_requests']} h with requests) in {data['region']}"
        + (f"; SLO p95 <= {slo:g} ms" if slo is not None else "; no latency SLO"),
        f"cost: {data['cost_rule']}",
    ]
    rec = data["recommended"]
    lines.append(
        f"recommended: {rec['option']} on {rec['instance_type']}, ${rec['monthly_cost_usd']} a month"
        if rec
        else "recommended: none"
    )
    lines.append(
        f"  {'option':16} {'type':18} {'p95 ms':>7} {'inst-h':>7} {'$/month':>11} "
        f"{'$/1k req':>10}  why"
    )
    for o in data["options"]:
        cost = o.get("monthly_cost_usd")
        per = o.get("usd_per_1000_requests")
        lines.append(
            f"  {o['option']:16} {o.get('instance_type') or '-':18} {_p95(o):>7} "
            f"{o.get('instance_hours_observed') if o.get('instance_hours_observed') is not None else '-':>7} "
            f"{('$' + cost) if cost else 'unpriced':>11} {('$' + per) if per else '-':>10}  "
            f"{o['verdict']}"
        )
    lines += [f"warning: {w}" for w in data["warnings"]]
    return lines


def _p95(option: dict) -> str:
    """The measured p95 behind an option's capacity ('-' when only observed)."""
    p95 = (option.get("capacity") or {}).get("p95_ms")
    return "-" if p95 is None else f"{p95:g}"


@app.command("training")
def training(
    job: Annotated[
        str | None, typer.Option("--job", metavar="NAME", help="A finished training job.")
    ] = None,
    spec: Annotated[
        str | None,
        typer.Option(
            "--spec",
            metavar="TYPE,COUNT,HOURS[,CKPT_MIN]",
            help="The job's shape, e.g. ml.p3.2xlarge,2,10,5.",
        ),
    ] = None,
    interruption_rate: Annotated[
        float | None,
        typer.Option(
            "--interruption-rate",
            metavar="R",
            help="Spot interruptions per instance-hour (default: Spot Advisor band).",
        ),
    ] = None,
    checkpoint_minutes: Annotated[
        float | None,
        typer.Option("--checkpoint-minutes", metavar="M", help="Minutes to write one checkpoint."),
    ] = None,
    restart_minutes: Annotated[
        float,
        typer.Option(
            "--restart-minutes", metavar="M", help="Minutes from an interruption to resuming."
        ),
    ] = 10.0,
    interval_minutes: Annotated[
        float | None,
        typer.Option(
            "--checkpoint-interval-minutes", metavar="M", help="The job's current interval."
        ),
    ] = None,
    spot_discount: Annotated[
        float | None,
        typer.Option("--spot-discount", metavar="F", help="Managed-spot discount, e.g. 0.6."),
    ] = None,
    region: RegionOption = "us-east-1",
    fmt: Annotated[PlanFormat, typer.Option("--format", "-f")] = PlanFormat.table,
    output: OutputOption = None,
) -> None:
    """On-demand vs managed spot for a training job: expected cost and wall time at the
    Young/Daly optimal checkpoint interval, and the StoppingCondition to set."""
    from mlcost.cli.options import check_output_path, exclusive, finite
    from mlcost.errors import UserError
    from mlcost.plan.training import TrainingSpec, plan_training

    exclusive(**{"--job": job, "--spec": spec})
    if job is None and spec is None:
        raise UserError("pass --job NAME or --spec TYPE,COUNT,HOURS", None)
    if interruption_rate is not None:
        finite(
            "--interruption-rate",
            interruption_rate,
            low=0,
            low_open=True,
            high=100,
            example="--interruption-rate 0.01",
        )
    if spot_discount is not None:
        finite(
            "--spot-discount",
            spot_discount,
            low=0,
            low_open=True,
            high=1,
            example="--spot-discount 0.6",
        )
    finite("--restart-minutes", restart_minutes, low=0, high=10_080, example="--restart-minutes 10")
    if interval_minutes is not None:
        finite(
            "--checkpoint-interval-minutes",
            interval_minutes,
            low=0,
            low_open=True,
            example="--checkpoint-interval-minutes 30",
        )
    _check_region(region)
    check_output_path(output)
    parts = [p.strip() for p in spec.split(",")] if spec else []
    if spec is not None:
        if len(parts) not in (3, 4):
            raise UserError(
                f"--spec {spec!r} is not TYPE,COUNT,HOURS[,CHECKPOINT_MINUTES]",
                "e.g. --spec ml.p3.2xlarge,2,10,5",
            )
        if len(parts) == 4 and checkpoint_minutes is None:
            checkpoint_minutes = _number("--spec checkpoint minutes", parts[3])
    if checkpoint_minutes is None:
        raise UserError(
            "pass --checkpoint-minutes M (the time to write one checkpoint)",
            "time one save of your training script; it sets the optimal interval",
        )
    finite(
        "--checkpoint-minutes",
        checkpoint_minutes,
        low=0,
        low_open=True,
        example="--checkpoint-minutes 5",
    )
    if spec is not None:
        count = _number("--spec count", parts[1])
        if not math.isfinite(count) or count != int(count) or count < 1:
            raise UserError(f"--spec count {parts[1]!r} is not a whole number >= 1", None)
        hours = finite(
            "--spec hours",
            _number("--spec hours", parts[2]),
            low=0,
            low_open=True,
            high=24 * 28,
            example="--spec ml.p3.2xlarge,2,10",
        )
        from mlcost.pricing import UnknownInstanceType
        from mlcost.pricing import spec as instance_spec

        try:
            instance_spec(parts[0])
        except UnknownInstanceType as err:
            raise UserError(str(err), None) from None
        shape = TrainingSpec(
            parts[0], int(count), hours, checkpoint_minutes, restart_minutes, interval_minutes
        )
    else:
        from mlcost.plan.live import training_job_spec

        sm, _ = _clients(region)
        shape = training_job_spec(sm, job or "", checkpoint_minutes, restart_minutes)
        if interval_minutes is not None:
            from dataclasses import replace

            shape = replace(shape, interval_minutes=interval_minutes)
    data = plan_training(shape, region, rate=interruption_rate, spot_discount=spot_discount)
    if job:
        data["job"] = job
    _emit(data, fmt is PlanFormat.json, output, _training_lines(data))


def _number(name: str, text: str) -> float:
    from mlcost.errors import UserError

    try:
        return float(text)
    except ValueError:
        raise UserError(f"{name} {text!r} is not a number", None) from None


def _hours(value: float | None) -> str:
    if value is None:
        return "never"
    return f"{value:.2f}" if value < 1e6 else f"{value:.3g}"


def _training_lines(data: dict) -> list[str]:
    ck, intr = data["checkpoint"], data["interruptions"]
    lines = [
        f"{data['instance_count']} x {data['instance_type']} for {data['work_hours']:g} h of work"
        f" in {data['region']}",
        f"interruptions: job MTBF {intr['job_mtbf_hours']:g} h ({intr['basis']})",
        f"checkpoint every {ck['daly_interval_minutes']:g} min (Daly; Young "
        f"{ck['young_interval_minutes']:g} min), {ck['write_minutes']:g} min to write, "
        f"{ck['restart_minutes']:g} min to restart",
    ]
    price = data["options"][0].get("price")
    if price:
        basis = price["basis"] + (
            f" of {price['substituted_from']}" if price.get("substituted_from") else ""
        )
        lines.append(
            f"price: ${price['usd_per_hour']}/h {price['usage']} ({basis}; {price['source']}, "
            f"{price['date']})"
        )
    lines.append(f"spot discount: {data['spot_discount'] or 'unknown'} ({data['discount_source']})")
    for o in data["options"]:
        cost = o.get("cost_usd")
        lines.append(
            f"  {o['option']:13} wall {_hours(o['wall_hours']):>9} h  "
            f"{('$' + cost) if cost else 'unpriced':>12}  {o.get('arithmetic') or o.get('unpriced')}"
        )
    lines.append(f"recommended: {data['recommended'] or 'none (unpriced)'}")
    sc = data["stopping_condition"]
    if sc is None:
        return lines
    lines.append(
        f"StoppingCondition: MaxRuntimeInSeconds {sc['MaxRuntimeInSeconds']}, "
        f"MaxWaitTimeInSeconds {sc['MaxWaitTimeInSeconds']} ({sc['why']})"
    )
    return lines
