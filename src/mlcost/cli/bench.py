"""`mlcost bench`: load-test a model server, then price what it sustained per instance type.

Everything the user gives is checked before the first request (URL, payload file, load
levels, output path, region), then one preflight request proves the server answers as the
backend expects; only then does the load start. See docs/bench.md.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from mlcost.cli.fix import DbOption
from mlcost.cli.options import (
    GLOBAL,
    OutputOption,
    check_output_path,
    exclusive,
    finite,
    note,
    write_output,
)
from mlcost.errors import UserError


class BenchFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"


def _levels(option: str, text: str, *, integer: bool) -> list[float]:
    """``1,2,4,8`` → [1, 2, 4, 8]; each a positive finite number (whole for concurrency)."""
    out: list[float] = []
    for part in text.split(","):
        try:
            value = float(part.strip())
        except ValueError:
            raise UserError(
                f"{option} {text!r}: {part.strip()!r} is not a number",
                f"pass a comma list, e.g. {option} 1,2,4,8",
            ) from None
        finite(option, value, low=0, low_open=True, example=f"{option} 1,2,4,8")
        if integer and value != int(value):
            raise UserError(f"{option} {part.strip()!r} is not a whole number", None)
        out.append(value)
    return out


def register(app: typer.Typer) -> None:
    @app.command()
    def bench(
        url: Annotated[
            str | None,
            typer.Option(
                "--url",
                metavar="URL",
                help="The server to load, e.g. http://127.0.0.1:8000/v1/completions.",
            ),
        ] = None,
        endpoint: Annotated[
            str | None,
            typer.Option(
                "--endpoint",
                metavar="NAME",
                help="A SageMaker endpoint to load through InvokeEndpoint "
                '(InvokeEndpointWithResponseStream for bodies with "stream": true).',
            ),
        ] = None,
        payloads: Annotated[
            Path | None,
            typer.Option(
                "--payloads",
                metavar="FILE",
                help="Request bodies: JSON Lines (one object a line) or a JSON array.",
            ),
        ] = None,
        concurrency: Annotated[
            str | None,
            typer.Option(
                "--concurrency",
                metavar="N,N,...",
                help="Closed loop: this many clients back to back, one level each (default 1).",
            ),
        ] = None,
        rate: Annotated[
            str | None,
            typer.Option(
                "--rate",
                metavar="R,R,...",
                help="Open loop: requests per second offered, one level each.",
            ),
        ] = None,
        arrivals: Annotated[
            str,
            typer.Option(
                "--arrivals", help="Open-loop arrivals: poisson, constant or trace (--trace FILE)."
            ),
        ] = "poisson",
        trace: Annotated[
            Path | None,
            typer.Option(
                "--trace",
                metavar="FILE",
                help="With --arrivals trace: replay this trace's inter-arrival times "
                "(scaled to each --rate when given); formats as `mlcost plan inference`.",
            ),
        ] = None,
        trace_format: Annotated[
            str | None,
            typer.Option("--trace-format", metavar="FORMAT", help="cloudwatch, azure or csv."),
        ] = None,
        duration: Annotated[
            float, typer.Option("--duration", metavar="SECONDS", help="Seconds per level.")
        ] = 30.0,
        instance_type: Annotated[
            list[str] | None,
            typer.Option(
                "--instance-type",
                metavar="TYPE",
                help="Type the server runs on, priced at the measured throughput (repeat). "
                "ml.* is SageMaker hosting, a bare type EC2 on-demand.",
            ),
        ] = None,
        instances: Annotated[
            int, typer.Option("--instances", help="Instances behind the URL (cost multiplier).")
        ] = 1,
        region: Annotated[
            str, typer.Option("--region", "-r", help="Region of the prices (and of --endpoint).")
        ] = "us-east-1",
        backend: Annotated[
            str, typer.Option("--backend", help="openai (SSE streaming) or http (plain JSON).")
        ] = "openai",
        timeout: Annotated[
            float, typer.Option("--timeout", metavar="SECONDS", help="Per-request timeout.")
        ] = 60.0,
        max_connections: Annotated[
            int, typer.Option("--max-connections", help="Open-loop connection pool size.")
        ] = 1024,
        seed: Annotated[int, typer.Option("--seed", help="Poisson arrivals' seed.")] = 0,
        fmt: Annotated[BenchFormat, typer.Option("--format", "-f")] = BenchFormat.table,
        output: OutputOption = None,
        db: DbOption = None,
    ) -> None:
        """Load-test a model server (OpenAI-compatible, plain HTTP JSON, or a SageMaker
        endpoint): latency
        percentiles from the intended send time, TTFT, time per output token, tokens/s,
        errors by kind, and the cost per 1,000 inferences and per 1M tokens per instance
        type. The run is kept in the journal database."""
        from mlcost.bench import report, store
        from mlcost.bench.arrivals import Arrivals, from_trace, native_rate, offsets
        from mlcost.bench.backends import Backend
        from mlcost.bench.costs import level_costs
        from mlcost.bench.payloads import load_payloads
        from mlcost.bench.runner import (
            Target,
            check_url,
            preflight,
            run_closed,
            run_open,
        )
        from mlcost.journal import journal
        from mlcost.journal.store import check_journal
        from mlcost.pricing import catalogue

        exclusive(**{"--url": url, "--endpoint": endpoint})
        if url is None and endpoint is None:
            raise UserError("pass --url URL or --endpoint NAME", "see `mlcost bench --help`")
        if payloads is None:
            raise UserError("pass --payloads FILE", "one JSON request body a line")
        if url is not None:
            check_url(url)
        backend_kind = _choice("--backend", backend, Backend)
        arrival_kind = _choice("--arrivals", arrivals, Arrivals)
        exclusive(**{"--concurrency": concurrency, "--rate": rate})
        finite("--duration", duration, low=0, low_open=True, high=86_400, example="--duration 60")
        finite("--timeout", timeout, low=0, low_open=True, example="--timeout 60")
        if instances < 1 or max_connections < 1:
            raise UserError("--instances and --max-connections must be at least 1", None)
        if region not in catalogue.catalogue_info()["regions"]:
            raise UserError(
                f"region {region!r} is not in the price catalogue",
                "check the code, e.g. us-east-1",
            )
        replay = _trace_arrivals(arrival_kind, trace, trace_format, concurrency)
        open_loop = rate is not None or replay is not None
        loads = (
            _levels("--rate", rate, integer=False)
            if rate is not None
            else [round(native_rate(replay), 6)]
            if replay is not None
            else _levels("--concurrency", concurrency or "1", integer=True)
        )
        check_output_path(output)
        check_journal(db)  # a run of minutes must not be lost to a bad --db at the end
        bodies = load_payloads(payloads)
        types = list(instance_type or [])
        warnings: list[str] = []
        if endpoint is not None:
            from mlcost.bench import sagemaker

            control, runtime = sagemaker.clients(region, max(int(max(loads)), 1))
            variants = sagemaker.variants(control, endpoint)
            if not types and len(variants) == 1:
                types, instances = [variants[0].instance_type], variants[0].instances
            elif not types:
                warnings.append(
                    f"endpoint {endpoint} has {len(variants)} instance variants: pass "
                    "--instance-type and --instances for cost figures"
                )
            url = f"sagemaker:{endpoint}"
            target = Target(url, backend_kind, bodies, timeout, max_connections, runtime, endpoint)
        else:
            assert url is not None
            target = Target(url, backend_kind, bodies, timeout, max_connections)

        async def run_all() -> list[Any]:
            await preflight(target)
            done = []
            for load in loads:
                if not GLOBAL.quiet:
                    what = f"{load:g} req/s" if open_loop else f"{load:g} clients"
                    note(f"bench: {what} for {duration:g} s")
                if replay is not None:
                    plan = from_trace(replay, load, duration)
                    done.append(await run_open(target, plan, load))
                elif open_loop:
                    plan = offsets(arrival_kind, load, duration, seed=seed)
                    done.append(await run_open(target, plan, load))
                else:
                    done.append(await run_closed(target, int(load), duration))
            return done

        levels = asyncio.run(run_all())
        costs, cost_warnings = level_costs(levels, types, instances, region)
        warnings += cost_warnings
        settings = {
            "payloads": len(bodies),
            "payload_file": str(payloads),
            "duration_s": duration,
            "arrivals": str(arrival_kind) if open_loop else None,
            "seed": seed if open_loop and replay is None else None,
            "trace": None if replay is None else str(trace),
            "instance_types": types,
            "instances": instances,
            "region": region,
            "timeout_s": timeout,
        }
        data = report.result(
            target=url,
            backend="sagemaker" if endpoint is not None else str(backend_kind),
            mode="open" if open_loop else "closed",
            settings=settings,
            levels=levels,
            costs=costs,
            warnings=warnings,
        )
        with journal(db) as j:
            data["run_id"] = store.record_run(j, data)
        _emit(data, fmt, output)


def _trace_arrivals(
    kind: Any, trace: Path | None, trace_format: str | None, concurrency: str | None
) -> list[float] | None:
    """The trace's send offsets for ``--arrivals trace`` (read and checked before any load),
    else None; ``--trace`` without it, or with ``--concurrency``, is refused."""
    from mlcost.bench.arrivals import Arrivals, native_rate

    if kind is not Arrivals.trace:
        if trace is not None:
            raise UserError("--trace needs --arrivals trace", None)
        return None
    from mlcost.plan.traces import read_trace  # only a trace run needs the readers

    if trace is None:
        raise UserError("--arrivals trace needs --trace FILE", "a CloudWatch JSON or CSV trace")
    exclusive(**{"--arrivals trace": True, "--concurrency": concurrency})
    replay = read_trace(trace, trace_format).arrival_offsets()
    try:
        native_rate(replay)
    except ValueError as err:
        raise UserError(f"trace {trace}: {err}", None) from None
    return replay


def _choice(option: str, value: str, enum: type[StrEnum]) -> Any:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise UserError(f"{option} {value!r} is not one of {allowed}", None) from None


def _emit(data: dict[str, Any], fmt: BenchFormat, output: Path | None) -> None:
    from mlcost.bench import report

    if fmt is BenchFormat.json:
        text = report.to_json(data)
    elif fmt is BenchFormat.markdown:
        text = report.to_markdown(data)
    elif fmt is BenchFormat.html:
        text = report.to_html(data)
    else:
        if output is None:
            report.render_table(data, _stdout_console())
            return
        text = report.table_text(data)
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_output(output, text)
        note(f"wrote {output}")


def _stdout_console() -> Any:
    from rich.console import Console

    return Console(no_color=GLOBAL.no_color or None, highlight=False)
