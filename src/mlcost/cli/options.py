"""The options every command shares, and the checks they get before any work starts.

Why one module: the CLI keeps one convention (AWS CLI and Cloud Custodian users expect it):
``--profile``, ``--region`` (repeatable, comma lists, ``all``), ``-f/--format``,
``-o/--output``, ``--quiet``, ``--no-color``, ``--debug``, ``--version``. A command declares
them with the ``Annotated`` aliases below and calls the helpers; it never re-spells them.
Old spellings (``--out``, ``--json``) stay as hidden aliases so scripts keep working.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from mlcost.errors import UserError


@dataclass
class GlobalOptions:
    """What the root options set for the whole run (one process, one command)."""

    debug: bool = False
    quiet: bool = False
    no_color: bool = False


#: Set once by the root callback (``mlcost --quiet scan ...``), read by the helpers below.
GLOBAL = GlobalOptions()


ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile",
        metavar="NAME",
        help="AWS profile from ~/.aws/config (default: AWS_PROFILE, else the default chain).",
    ),
]

RegionsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--region",
        "-r",
        metavar="REGION",
        help="AWS region; repeat or give a comma list (us-east-1,eu-west-1), or 'all' for "
        "every enabled region.",
    ),
]

OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", metavar="FILE", help="Write the output to this file."),
]


def use_profile(profile: str | None) -> None:
    """Make every boto3 session of this run use ``profile``, refusing a name AWS doesn't know.

    Why the environment: boto3 reads ``AWS_PROFILE`` wherever a session is made (scan
    workers, fix runners, the Price List client), so no call path can miss it.
    """
    if not profile:
        return
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        available = boto3.Session().available_profiles
    except BotoCoreError as err:
        raise UserError(f"cannot read the AWS configuration: {err}", _CONFIG_HINT) from None
    if profile not in available:
        raise UserError(
            f"AWS profile {profile!r} not found",
            f"known profiles: {', '.join(sorted(available)) or 'none'}; "
            "create it with `aws configure --profile NAME`",
        )
    os.environ["AWS_PROFILE"] = profile
    os.environ.pop("AWS_DEFAULT_PROFILE", None)


_CONFIG_HINT = "fix ~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE), or unset AWS_PROFILE"


def check_endpoint_environment() -> None:
    """Refuse an ``AWS_ENDPOINT_URL`` (or ``AWS_ENDPOINT_URL_<SERVICE>``) that is not an
    http(s) URL, before boto3 fails on it deep inside a client with a bare ValueError."""
    from urllib.parse import urlsplit

    for name, value in sorted(os.environ.items()):
        if not name.startswith("AWS_ENDPOINT_URL") or not value:
            continue
        try:
            parts = urlsplit(value)
            ok = parts.scheme in ("http", "https") and bool(parts.hostname)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            ok = False
        if not ok:
            raise UserError(
                f"{name}={value!r} is not an http(s) URL",
                f"set it like https://host:port, or unset {name} to use AWS's endpoints",
            )


def split_regions(values: Iterable[str] | None) -> list[str]:
    """``--region a --region b,c`` as ``[a, b, c]`` in order, duplicates dropped.

    ``all`` stays a word here (it needs an AWS call: see :func:`resolve_regions`)."""
    out: list[str] = []
    for value in values or ():
        for part in value.split(","):
            part = part.strip()
            if part:
                out.append(part)
    return list(dict.fromkeys(out))


def resolve_regions(values: Iterable[str] | None) -> list[str]:
    """The regions to scan: the ones named, every enabled one for ``all``, else the default.

    ``all`` means the regions enabled for the account (EC2 DescribeRegions) where SageMaker
    exists: an opt-in region the account has not enabled would only add errors.
    """
    names = split_regions(values)
    if not names:
        from mlcost.cli.scan import default_regions

        return default_regions()
    if "all" not in names:
        return names
    if len(names) > 1:
        raise UserError(
            "--region all cannot be combined with named regions",
            "pass either --region all or the regions you want",
        )
    return enabled_regions()


def enabled_regions() -> list[str]:
    """Regions enabled for the caller's account where boto3 knows SageMaker, sorted."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from mlcost.cli.scan import default_regions
    from mlcost.sources.aws.session import client_config, known_regions

    session = boto3.Session()
    home = session.region_name or default_regions()[0]
    try:
        answer = session.client("ec2", region_name=home, config=client_config(1)).describe_regions()
    except (BotoCoreError, ClientError) as err:
        raise UserError(
            f"cannot list the account's regions for --region all: {err}",
            "the caller needs ec2:DescribeRegions (`mlcost policy self --all-regions`); "
            "or name the regions: --region us-east-1,eu-west-1",
        ) from None
    sagemaker = known_regions(session)
    return sorted(
        r["RegionName"] for r in answer.get("Regions", []) if r["RegionName"] in sagemaker
    )


def finite(
    name: str,
    value: float,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    example: str = "",
) -> float:
    """``value`` if it is a finite number in [low, high] (``low_open``: above low), else a
    UserError naming the option. Why: ``nan`` compares false with everything, so a nan
    threshold or headroom passes every ``<`` check and silently means nonsense."""
    ok = math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        bounds = []
        if low is not None:
            bounds.append(f"{'>' if low_open else '>='} {low:g}")
        if high is not None:
            bounds.append(f"<= {high:g}")
        want = "a finite number" + (f" {' and '.join(bounds)}" if bounds else "")
        raise UserError(
            f"{name} must be {want}, got {value}", f"pass e.g. {example}" if example else None
        )
    return value


#: Good enough to catch a typo or a missing domain; AWS Budgets does the final check.
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;.]+$")


def emails(name: str, values: Iterable[str] | None) -> list[str]:
    """The addresses given, each checked to look like ``someone@example.com``."""
    out = [v.strip() for v in values or () if v.strip()]
    bad = [v for v in out if not _EMAIL.match(v)]
    if bad:
        raise UserError(
            f"{name} {bad[0]!r} is not an email address",
            f"pass one address per {name}, e.g. {name} finops@example.com",
        )
    return out


def exclusive(**given: object) -> None:
    """Refuse two or more mutually exclusive options given together (names as keys)."""
    used = [name for name, value in given.items() if value not in (None, False, [], ())]
    if len(used) > 1:
        raise UserError(
            f"{' and '.join(used)} cannot be used together", f"pass only one of {', '.join(given)}"
        )


def check_output_path(path: Path | None, *, directory: bool = False) -> None:
    """Refuse an output path that cannot be written, before any work is done.

    Why before: a scan can take minutes; finding out afterwards that ``-o`` names a folder
    or an unwritable place loses the whole result. ``directory`` is for commands whose
    output is a folder (created if missing)."""
    if path is None:
        return
    if directory:
        if path.exists() and not path.is_dir():
            raise UserError(f"{path} is a file, not a folder", "pass a folder for the reports")
        probe = path if path.exists() else _existing_parent(path)
        if not os.access(probe, os.W_OK | os.X_OK) or not probe.is_dir():
            raise UserError(f"cannot create or write the folder {path}", "pass a writable folder")
        return
    if path.is_dir():
        raise UserError(f"{path} is a folder", f"pass a file name, e.g. {path / 'report.json'}")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UserError(
            f"cannot write {path}: the folder {parent} does not exist",
            "create it first or pass another path",
        )
    if (path.exists() and not os.access(path, os.W_OK)) or not os.access(parent, os.W_OK):
        raise UserError(f"cannot write {path}: permission denied", "pass a writable path")


def _existing_parent(path: Path) -> Path:
    for parent in [path, *path.parents]:
        if parent.exists():
            return parent
    return Path(".")


def write_output(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename:
    a failure half-way (disk full, interrupt) leaves the old file or none, never half a one.

    A symlink is followed (the file it points to is replaced, the link kept); a target that
    is not a regular file (``/dev/stdout``, a FIFO) is written directly, never replaced."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    real = Path(os.path.realpath(path))
    try:
        if real.exists() and not real.is_file():
            with open(real, "wb") as fh:
                fh.write(raw)
            return
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", dir=real.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(raw)
            os.replace(tmp, real)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as err:
        raise UserError(
            f"cannot write {path}: {err.strerror or err}", "pass a writable path"
        ) from None


def err_console() -> Console:
    """The console for progress and notes (stderr), silent under ``--quiet``."""
    return Console(stderr=True, quiet=GLOBAL.quiet, no_color=GLOBAL.no_color or None)


def note(message: str) -> None:
    """An informational line on stderr (``wrote ...``), dropped under ``--quiet``."""
    if not GLOBAL.quiet:
        typer.echo(message, err=True)
