"""`mlcost serve`: the dashboard on 127.0.0.1 (or --host with --token), over the journal and
the billing database. Prints the URL with its access token; Ctrl-C stops it."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated

import typer

from mlcost.cli.fix import DbOption
from mlcost.errors import UserError

TOKEN_ENV = "MLCOST_SERVE_TOKEN"


def register(app: typer.Typer) -> None:
    """Add the `serve` command to the root app."""

    @app.command()
    def serve(
        db: DbOption = None,
        billing_db: Annotated[
            Path | None,
            typer.Option(
                "--billing-db", metavar="FILE", help="DuckDB billing database (billing pages)."
            ),
        ] = None,
        host: Annotated[
            str, typer.Option("--host", help="Address to bind; other than loopback needs --token.")
        ] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8765,
        token: Annotated[
            str | None,
            typer.Option(
                "--token",
                envvar=TOKEN_ENV,
                help=f"Access token every page needs (default: a random one; ${TOKEN_ENV}).",
            ),
        ] = None,
        sp_rates: Annotated[
            Path | None,
            typer.Option(
                "--sp-rates",
                metavar="FILE",
                help="Savings-plan rates file for the commitment curve (as `mlcost plan "
                "savings-plan --rates`; default: the rates the bill shows).",
            ),
        ] = None,
        config: Annotated[
            Path | None,
            typer.Option(
                "--config",
                help="mlcost.toml: check settings for re-checks, and the schedules shown "
                "(default ./mlcost.toml when present).",
            ),
        ] = None,
    ) -> None:
        """Serve the dashboard: findings, fixes, billing, schedules and bench runs."""
        from mlcost.journal.store import check_journal
        from mlcost.serve.security import check_bind, new_token

        check_bind(host, token is not None)
        if token is not None and len(token) < 16:
            raise UserError("--token is shorter than 16 characters", "use a long random value")
        if billing_db is not None:
            from mlcost.billing.guard import check_database_file

            check_database_file(billing_db)
        if sp_rates is not None:
            from mlcost.billing.savings_plan import load_rates

            load_rates(sp_rates)  # a bad file: one line now, not a note on a page later
        if config is not None and not config.is_file():
            raise UserError(f"config file {config} not found", "pass an existing mlcost.toml")
        config = config or (Path("mlcost.toml") if Path("mlcost.toml").is_file() else None)
        check_journal(db)  # a journal from a newer mlcost: one line, before serving
        try:
            import uvicorn

            from mlcost.serve.app import ServeConfig, create_app
        except ImportError as err:
            raise UserError(
                f"mlcost serve needs the dashboard's libraries ({err.name} is not installed)",
                "install them with: pip install 'mlcost[serve]'",
            ) from None
        listening = _listen(host, port)  # a port in use: one line, before any URL
        chosen = token or new_token()
        application = create_app(
            ServeConfig(
                token=chosen, db=db, billing_db=billing_db, sp_rates=sp_rates, config=config
            )
        )
        shown = host if ":" not in host else f"[{host}]"
        typer.echo(f"mlcost serve: http://{shown}:{port}/?token={chosen}", err=True)
        try:
            server = uvicorn.Server(uvicorn.Config(application, log_level="warning"))
            server.run(sockets=[listening])
        finally:
            listening.close()
            application.state.sources.close()


def _listen(host: str, port: int) -> socket.socket:
    """The dashboard's socket, bound now: an address in use or a host that does not resolve
    is a UserError here, not the printed URL followed by uvicorn's own error and exit 3."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as err:
        raise UserError(
            f"cannot listen on {host}:{port}: {err.strerror or err}", "check --host"
        ) from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        sock.bind(address)
    except OSError as err:
        sock.close()
        raise UserError(
            f"cannot listen on {host}:{port}: {err.strerror or err}",
            "another program may be using the port: pass --port N",
        ) from None
    return sock
