"""The ``mlcost`` command line: one Typer app, one module per command group."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from mlcost.errors import UserError

app = typer.Typer(
    name="mlcost",
    help="Find and cut wasted spend on ML infrastructure in AWS.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"mlcost {version('mlcost')}")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            typer.echo("mlcost (not installed)")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_version, help="Print the version and exit."
        ),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Print the full traceback of an internal error.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bars or notes on stderr.")
    ] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colours in any output.")] = False,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            metavar="NAME",
            help="AWS profile for every AWS call (default: AWS_PROFILE, else the default chain).",
        ),
    ] = None,
    connect_timeout: Annotated[
        float | None,
        typer.Option(
            "--connect-timeout",
            metavar="SECONDS",
            envvar="MLCOST_CONNECT_TIMEOUT",
            help="Seconds to wait for an AWS connection (default 10).",
        ),
    ] = None,
    read_timeout: Annotated[
        float | None,
        typer.Option(
            "--read-timeout",
            metavar="SECONDS",
            envvar="MLCOST_READ_TIMEOUT",
            help="Seconds to wait for an AWS answer (default 60).",
        ),
    ] = None,
) -> None:
    """Find and cut wasted spend on ML infrastructure in AWS.

    Exit codes: 0 done; 1 an internal error (or a fix that failed); 2 bad input or
    environment; 3 nothing could be read.
    """
    from mlcost.cli import options
    from mlcost.sources.aws import session

    options.GLOBAL.debug, options.GLOBAL.quiet = debug, quiet
    if no_color:
        import os

        options.GLOBAL.no_color = True
        # every Rich console made from here on: no colours (NO_COLOR) and no bold or italic
        # either (a dumb terminal gets no escape codes at all), even if FORCE_COLOR is set
        os.environ.update(NO_COLOR="1", TERM="dumb")
        os.environ.pop("FORCE_COLOR", None)
    session.set_timeouts(connect_timeout, read_timeout)
    options.check_endpoint_environment()
    options.use_profile(profile)


def _register() -> None:
    from mlcost.cli import agent, billing, demo, explain, fix, plan, policy, prices, scan, schedule
    from mlcost.cli.bench import register as register_bench
    from mlcost.cli.serve import register as register_serve

    scan.register(app)
    fix.register(app)
    demo.register(app)
    explain.register(app)
    register_bench(app)
    register_serve(app)
    app.add_typer(prices.app, name="prices")
    app.add_typer(agent.app, name="agent")
    app.add_typer(billing.app, name="billing")
    app.add_typer(plan.app, name="plan")
    app.add_typer(policy.app, name="policy")
    app.add_typer(schedule.app, name="schedule")


_register()


def main(argv: list[str] | None = None) -> None:
    """Entry point, and the CLI's one error boundary (:mod:`mlcost.cli.boundary`): bad input
    or environment is one line and exit 2, a bug one line and exit 1, never a traceback
    unless ``--debug``. Click's own usage errors are one line too (not a boxed page)."""
    from mlcost.cli import boundary, options

    # Typer may vendor Click: take its classes from Typer's own exports
    click_exception = _base(typer.BadParameter, "ClickException")
    try:
        code = app(args=argv, prog_name="mlcost", standalone_mode=False)
    except click_exception as err:  # type: ignore[misc]  # usage: bad option, choice, number
        if type(err).__name__ == "NoArgsIsHelpError":  # a bare group: its help, as Click does
            err.show()
        else:
            where = f"mlcost {err.ctx.command_path.split(' ', 1)[1]}" if _sub(err) else "mlcost"
            print(f"error: {err.format_message()} — see `{where} --help`", file=sys.stderr)
        code = err.exit_code
    except typer.Abort:
        print("error: aborted; nothing more was done", file=sys.stderr)
        code = boundary.EXIT_BUG
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        code = boundary.EXIT_INTERRUPTED
    except Exception as exc:  # the boundary: translate, never let a traceback out
        err = boundary.user_error_for(exc)
        if err is None:
            boundary.report_bug(exc, debug=options.GLOBAL.debug)
            code = boundary.EXIT_BUG
        else:
            if options.GLOBAL.debug:
                import traceback

                traceback.print_exception(exc, file=sys.stderr)
            boundary.print_user_error(err)
            code = boundary.EXIT_BAD_INPUT
    finally:
        options.GLOBAL.debug = options.GLOBAL.quiet = options.GLOBAL.no_color = False
    sys.exit(code if isinstance(code, int) else 0)


def _base(cls: type, name: str) -> type:
    return next(c for c in cls.__mro__ if c.__name__ == name)


def _sub(err) -> bool:
    ctx = getattr(err, "ctx", None)
    return bool(ctx is not None and " " in ctx.command_path)


__all__ = ["UserError", "app", "main"]
