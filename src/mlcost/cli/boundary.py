"""The CLI's one error boundary: every failure is one line on stderr and an exit code.

Exit codes: 2 bad input or environment (a ``UserError``, or what the environment gets wrong
that libraries report as their own exceptions: an unknown AWS profile, a corrupt AWS config,
an unreachable endpoint, an unreadable file or database); 3 nothing readable (``scan``);
1 only for a bug in mlcost, printed as one line plus the file holding the traceback
(``--debug`` prints it instead). 130 for Ctrl-C.

Why translate here and not at each call: boto3, DuckDB and the OS raise from deep inside
any command; naming each environment failure once keeps every command honest, and a new
command gets it for free.
"""

from __future__ import annotations

import sys
import tempfile
import traceback
from datetime import UTC, datetime

from mlcost.errors import UserError

EXIT_BAD_INPUT = 2
EXIT_BUG = 1
EXIT_INTERRUPTED = 130


def user_error_for(exc: BaseException) -> UserError | None:
    """The UserError an environment failure stands for, or None if it looks like a bug."""
    try:
        return _translate(exc)
    except Exception:  # the boundary itself must never raise: treat it as a bug
        return None


def _translate(exc: BaseException) -> UserError | None:
    if isinstance(exc, UserError):
        return exc
    aws = _aws_error(exc)
    if aws is not None:
        return aws
    db = _duckdb_error(exc)
    if db is not None:
        return db
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return UserError(
            f"{where}{exc.strerror or exc}", "check the path, its permissions and free space"
        )
    return None


def _aws_error(exc: BaseException) -> UserError | None:
    from botocore import exceptions as bx
    from botocore.parsers import ResponseParserError

    config_hint = (
        "fix ~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE / "
        "AWS_SHARED_CREDENTIALS_FILE), or unset AWS_PROFILE"
    )
    if isinstance(exc, bx.ProfileNotFound):
        return UserError(
            f"AWS profile {exc.kwargs.get('profile')!r} not found",
            "pass --profile with a profile from ~/.aws/config (aws configure list-profiles), "
            "or unset AWS_PROFILE",
        )
    if isinstance(exc, bx.ConfigParseError | bx.InvalidConfigError):
        return UserError(f"the AWS configuration cannot be read: {exc}", config_hint)
    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        from mlcost.sources.aws.session import NO_CREDENTIALS_HINT

        return UserError("no usable AWS credentials found", NO_CREDENTIALS_HINT)
    if isinstance(exc, bx.NoRegionError):
        return UserError("no AWS region configured", "pass --region or set AWS_REGION")
    if isinstance(
        exc,
        bx.ConnectTimeoutError
        | bx.ReadTimeoutError
        | bx.EndpointConnectionError
        | bx.ConnectionClosedError,
    ):
        return UserError(
            f"could not reach AWS: {exc}",
            "check the network, a proxy, or AWS_ENDPOINT_URL; timeouts are set with "
            "--connect-timeout / --read-timeout",
        )
    if isinstance(exc, ResponseParserError):
        return UserError(
            "the endpoint did not answer as AWS does (unreadable response)",
            "check AWS_ENDPOINT_URL or the proxy in between",
        )
    if isinstance(exc, bx.ClientError):
        err = exc.response.get("Error", {})
        return UserError(
            f"AWS refused {exc.operation_name}: {err.get('Code', '?')}: {err.get('Message', '')}",
            "check the credentials and the caller's IAM permissions (`mlcost policy self`)",
        )
    return None


def _duckdb_error(exc: BaseException) -> UserError | None:
    duckdb = sys.modules.get("duckdb")  # only if a command loaded it
    if duckdb is None or not isinstance(exc, duckdb.Error):
        return None
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return UserError(
        f"the billing database could not be used: {first}",
        "check --db names a database written by `mlcost billing ingest` and that no other "
        "process holds it",
    )


def print_user_error(err: UserError) -> None:
    print(f"error: {err}", file=sys.stderr)


def report_bug(exc: BaseException, *, debug: bool) -> None:
    """One line for a bug, and where its traceback went (or the traceback with --debug)."""
    text = "".join(traceback.format_exception(exc))
    if debug:
        sys.stderr.write(text)
        return
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    try:
        with tempfile.NamedTemporaryFile(
            "w", prefix=f"mlcost-crash-{stamp}-", suffix=".log", delete=False
        ) as fh:
            fh.write(text)
            where = f"the traceback is in {fh.name}"
    except OSError:
        where = "rerun with --debug for the traceback"
    print(
        f"error: internal error in mlcost ({type(exc).__name__}: {exc}); {where}; please report it",
        file=sys.stderr,
    )
