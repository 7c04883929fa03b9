"""``mlcost.toml``: per-check setting overrides, validated before any AWS call.

Why a file: a team tunes thresholds once (a 48-hour idle window for its endpoints, a higher
CPU bar for its notebooks) and every ``scan`` and every ``fix`` re-check must judge with the
same numbers; flags on each command line would drift. The file holds one table per check::

    [checks.idle-endpoint]
    min_age_hours = 48

    [checks.endpoint-inference-type]
    max_payload_mb = 2.0

Each key must be one of the check's declared defaults (``@check(..., **defaults)``) and its
value of the default's type. Anything else is a :class:`~mlcost.errors.UserError` naming the
file, the key and what is allowed, never a traceback. ``--config FILE`` names the file;
without it ``./mlcost.toml`` is read when present.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mlcost.errors import UserError

#: The file read when no ``--config`` is given (in the working directory, when present).
DEFAULT_CONFIG = Path("mlcost.toml")
#: The top-level tables the file may hold.
TOP_LEVEL = ("checks",)
#: Tables of the same file that other commands read and validate (`mlcost schedule`:
#: docs/schedules.md), so one mlcost.toml serves scan, fix, schedule and serve.
OTHER_TABLES = ("schedules",)


@dataclass(frozen=True, slots=True)
class Config:
    """Validated per-check overrides (only the keys the file sets) and where they came from."""

    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    path: Path | None = None


def load_config(path: Path | None = None) -> Config:
    """Read and validate ``path`` (or ``./mlcost.toml`` when present; else no overrides).

    A file named explicitly must exist; the default one is optional."""
    if path is None:
        if not DEFAULT_CONFIG.is_file():
            return Config()
        path = DEFAULT_CONFIG
    elif not path.is_file():
        raise UserError(
            f"config file {path} not found",
            "pass an existing file to --config, or leave --config out to read ./mlcost.toml",
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UserError(
            f"{path} is not valid TOML: {exc}",
            "see https://toml.io; a check's settings go in a [checks.<check-id>] table",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(
            f"cannot read {path}: {exc}", "check the file and its permissions"
        ) from None
    return Config(checks=validate_checks(raw, path), path=path)


def validate_checks(raw: dict[str, Any], path: Path) -> dict[str, dict[str, Any]]:
    """The ``[checks.*]`` tables of a parsed file, each value checked against its default."""
    from mlcost.checks import load_all

    unknown_top = sorted(set(raw) - set(TOP_LEVEL) - set(OTHER_TABLES))
    if unknown_top:
        raise UserError(
            f"{path}: unknown table or key {unknown_top[0]!r}",
            "allowed at the top level: " + ", ".join(f"[{t}.<check-id>]" for t in TOP_LEVEL),
        )
    checks = raw.get("checks", {})
    if not isinstance(checks, dict):
        raise UserError(
            f"{path}: 'checks' must be tables, got {checks!r}",
            "write one table per check: [checks.idle-endpoint]",
        )
    registry = load_all()
    out: dict[str, dict[str, Any]] = {}
    for check_id, table in checks.items():
        chk = registry.get(check_id)
        if chk is None:
            raise UserError(
                f"{path}: unknown check {check_id!r} in [checks.{check_id}]",
                "known checks: " + ", ".join(sorted(registry)),
            )
        if not isinstance(table, dict):
            raise UserError(
                f"{path}: checks.{check_id} must be a table, got {table!r}",
                f"write [checks.{check_id}] and its settings below it, one per line",
            )
        out[check_id] = {
            key: validate_value(check_id, key, value, chk.defaults, path)
            for key, value in table.items()
        }
    return out


def expected_type(default: Any) -> str:
    """What a setting with this default accepts, in words."""
    if default is None or isinstance(default, float):
        return "a number"
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int):
        return "a whole number"
    if isinstance(default, str):
        return "a string"
    return type(default).__name__


def toml_literal(value: Any) -> str:
    """A value as it is written in mlcost.toml (``true``, ``24``, ``0.9``, ``"text"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def allowed_settings(defaults: dict[str, Any]) -> str:
    """The settings of a check with their types and defaults, for a hint."""
    return (
        ", ".join(
            f"{k} ({expected_type(v)}, default {toml_literal(v)})"
            for k, v in sorted(defaults.items())
        )
        or "none (the check has no settings)"
    )


def validate_value(
    check_id: str, key: str, value: Any, defaults: dict[str, Any], path: Path
) -> Any:
    """One setting: a declared key whose TOML value has the default's type (strictly: the
    string "24" is not a whole number, 1 is not true; a whole number is a number)."""
    from mlcost.checks.registry import settings_schema

    if key not in defaults:
        raise UserError(
            f"{path}: unknown setting {key!r} for check {check_id!r}",
            f"its settings are: {allowed_settings(defaults)}",
        )
    schema = settings_schema(check_id, defaults)
    try:
        model = schema.model_validate({**defaults, key: value}, strict=True)
    except ValidationError:
        raise UserError(
            f"{path}: checks.{check_id}.{key} = {value!r} is not {expected_type(defaults[key])}",
            f"{key} takes {expected_type(defaults[key])} (default {toml_literal(defaults[key])})",
        ) from None
    return getattr(model, key)
