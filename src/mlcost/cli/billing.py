"""`mlcost billing` commands: ingest exports, report ML spend, propose budgets."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from mlcost.billing import DEFAULT_DB
from mlcost.billing.guard import DEFAULT_MAX_LINE_USD
from mlcost.cli.options import OutputOption, ProfileOption

app = typer.Typer(
    help="Billing exports (CUR 2.0, FOCUS, legacy CUR): ingest them, report ML spend, "
    "propose budgets, print the report SQL for Athena or Spark.",
    no_args_is_help=True,
)

DbOption = Annotated[
    Path, typer.Option("--db", metavar="FILE", help="DuckDB billing database file")
]


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


class Dialect(StrEnum):
    """SQL dialects the report queries compile to (SQLGlot's names)."""

    duckdb = "duckdb"
    spark = "spark"
    trino = "trino"
    athena = "athena"


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="CUR 2.0, legacy CUR or FOCUS export files")],
    db: DbOption = DEFAULT_DB,
    max_line_usd: Annotated[
        float,
        typer.Option(
            "--max-line-usd",
            metavar="USD",
            help="Refuse a file with a line whose amount is above this (absolute) value.",
        ),
    ] = DEFAULT_MAX_LINE_USD,
) -> None:
    """Load billing exports (files, or folders of export parts) into the database: every
    file or none."""
    from mlcost.billing.discover import export_files
    from mlcost.billing.guard import max_line_amount
    from mlcost.billing.ingest import ingest as run_ingest
    from mlcost.cli.options import finite
    from mlcost.errors import UserError

    finite("--max-line-usd", max_line_usd, low=0, low_open=True, high=1e15, example="1000000")

    files = export_files(paths)
    if not files:
        raise UserError(
            f"no billing export files under {', '.join(map(str, paths))}",
            "point at .parquet, .csv or .csv.gz files or at the export's folder",
        )
    with max_line_amount(max_line_usd):
        done = run_ingest(files, db)
    for f in done:
        typer.echo(f"{f.path}: {f.format.value}, {f.rows} line items")


@app.command()
def report(
    db: DbOption = DEFAULT_DB,
    tag: Annotated[str | None, typer.Option("--tag", help="tag key to group by, e.g. team")] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.table,
    engine: Annotated[Engine, typer.Option("--engine")] = Engine.duckdb,
    output: OutputOption = None,
) -> None:
    """ML spend by service, stage, family, tag, day; forecast; unused ODCR; savings plans."""
    from mlcost.billing import report as r
    from mlcost.cli.options import check_output_path, note, write_output

    check_output_path(output)

    if engine is Engine.spark:
        from mlcost.billing.spark import spark_runner

        runner = spark_runner(db)
    else:
        runner = r.duckdb_runner(db)
    rep = r.build(runner, tag=tag)
    if fmt is ReportFormat.table and output is None:
        r.render_table(rep)
        return
    render = {
        ReportFormat.json: r.render_json,
        ReportFormat.markdown: r.render_markdown,
        ReportFormat.html: r.render_html,
        ReportFormat.table: r.render_markdown,
    }[fmt]
    text = render(rep)
    if output:
        write_output(output, text if text.endswith("\n") else text + "\n")
        note(f"wrote {output}")
    else:
        typer.echo(text)


@app.command()
def budget(
    db: DbOption = DEFAULT_DB,
    email: Annotated[
        list[str] | None, typer.Option("--email", help="alert recipient; repeat for several")
    ] = None,
    headroom: Annotated[
        float,
        typer.Option("--headroom", metavar="FRACTION", help="fraction above history, 0 to 10"),
    ] = 0.10,
    apply: Annotated[
        bool, typer.Option("--apply", help="create the budgets (default: dry run)")
    ] = False,
    region: Annotated[str, typer.Option("--region", help="Budgets API region")] = "us-east-1",
    profile: ProfileOption = None,
) -> None:
    """Propose monthly ML budgets with 80% actual / 100% forecast alerts; --apply creates them."""
    import json
    from decimal import Decimal

    import boto3

    from mlcost.billing import budget as b
    from mlcost.cli.options import emails, finite, use_profile
    from mlcost.errors import UserError

    finite("--headroom", headroom, low=0, high=10, example="0.10 (10% above history)")
    email = emails("--email", email)
    if apply and not email:
        raise UserError("--apply needs at least one --email for the alerts")
    use_profile(profile)
    proposals = b.propose(db, Decimal(str(headroom)))
    if not proposals:
        raise UserError(f"no ML spend in {db} to base a budget on")
    from mlcost.sources.aws.session import bounded

    account = "123456789012"
    if apply:
        account = boto3.client("sts", region_name=region, config=bounded()).get_caller_identity()[
            "Account"
        ]
    requests = [p.request(account, email or ["you@example.com"]) for p in proposals]
    for p in proposals:
        typer.echo(
            f"{p.service}: history ${p.basis_usd:,.2f}/month -> budget ${p.amount_usd:,}/month"
        )
    if not apply:
        typer.echo("dry run; these CreateBudget requests would be sent (add --apply --email ...):")
        typer.echo(json.dumps(requests, indent=2))
        return
    names = b.create(boto3.client("budgets", region_name=region, config=bounded()), requests)
    typer.echo(f"created {len(names)} budget(s): {', '.join(names)}")


@app.command("sql")
def show_sql(
    dialect: Annotated[
        Dialect, typer.Option("--dialect", help="SQL dialect (trino and athena: Athena)")
    ] = Dialect.trino,
    tag: Annotated[str, typer.Option("--tag", help="tag key for the by-tag query")] = "team",
    output: OutputOption = None,
) -> None:
    """Print the report queries compiled for another engine (e.g. Athena over CUR in S3)."""
    from mlcost.billing.report import SECTIONS, query_text
    from mlcost.billing.spark import transpile
    from mlcost.cli.options import check_output_path, note, write_output

    check_output_path(output)
    parts = []
    for section, title in SECTIONS:
        sql = query_text(section, tag)
        compiled = sql if dialect is Dialect.duckdb else transpile(sql, dialect.value)
        parts.append(f"-- {title}\n{compiled};\n")
    if output is None:
        typer.echo("\n".join(parts))
        return
    write_output(output, "\n".join(parts))
    note(f"wrote {output}")
