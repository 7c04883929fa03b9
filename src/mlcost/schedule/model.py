"""The schedule file: named schedules of periods in an IANA time zone, overrides, membership.

Why validated up front: a schedule that silently means something else (a period whose end is
before its begin, a misspelt weekday, a zone that does not exist) stops the wrong resources at
the wrong hour. Every mistake is refused before the first AWS call, as one line naming the
schedule and the field (``schedule 'office-hours', periods[0].end: ...``).

A schedule is read from the ``[schedules.<name>]`` tables of ``mlcost.toml``, or from the
``schedules:`` mapping of a YAML file::

    [schedules.office-hours]
    timezone = "Europe/Berlin"
    periods = [{ days = ["mon-fri"], begin = "08:00", end = "18:00" }]
    names = ["dev-*"]                       # optional name patterns (tags always work)
    overrides = [{ state = "running", until = "2026-12-24" }]
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, time
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mlcost.errors import UserError

#: The tag a resource carries to join a schedule: ``mlcost:schedule=<name>``.
SCHEDULE_TAG = "mlcost:schedule"

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: A schedule's name: a tag value, and ``schedule:<name>`` fits the journal's 64-character
#: check column.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,54}$")
_TIME = re.compile(r"^(\d{2}):(\d{2})$")

State = Literal["running", "stopped"]


def _weekday(token: str) -> int:
    key = token.strip().lower()
    for number, short in enumerate(WEEKDAYS):
        if key in (short, _LONG[short]):
            return number
    raise ValueError(f"unknown weekday {token!r}; use mon, tue, wed, thu, fri, sat, sun")


_LONG = {
    "mon": "monday",
    "tue": "tuesday",
    "wed": "wednesday",
    "thu": "thursday",
    "fri": "friday",
    "sat": "saturday",
    "sun": "sunday",
}


def parse_days(tokens: list[str]) -> frozenset[int]:
    """``["mon-fri", "sun"]`` as weekday numbers (Monday 0); a range may wrap (``fri-mon``)."""
    out: set[int] = set()
    for token in tokens:
        if "-" in token:
            first, last = (_weekday(t) for t in token.split("-", 1))
            day = first
            out.add(day)
            while day != last:
                day = (day + 1) % 7
                out.add(day)
        else:
            out.add(_weekday(token))
    return frozenset(out)


def _parse_time(value: str, *, allow_24: bool) -> time | None:
    """``HH:MM`` as a time; ``24:00`` (end of day, as ``None``) only where ``allow_24``."""
    m = _TIME.match(str(value).strip())
    if not m:
        raise ValueError(f"{value!r} is not a time of day; write HH:MM, e.g. 08:00")
    hour, minute = int(m.group(1)), int(m.group(2))
    if allow_24 and (hour, minute) == (24, 0):
        return None
    if hour > 23 or minute > 59:
        raise ValueError(f"{value!r} is not a time of day (00:00 to 23:59)")
    return time(hour, minute)


class Period(BaseModel):
    """When resources run: weekdays, a begin and an end of local wall-clock time.

    ``end`` before ``begin`` is a period crossing midnight, which must be said
    (``crosses_midnight = true``): a swapped begin and end is the likelier mistake.
    ``month_days`` limits the days the period *begins* on (``[1, "15-20"]``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: list[str] = Field(default_factory=lambda: ["mon-sun"])
    begin: str = "00:00"
    end: str = "24:00"
    crosses_midnight: bool = False
    month_days: list[int | str] | None = None

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("no weekdays given")
        parse_days(value)
        return value

    @field_validator("begin")
    @classmethod
    def _begin(cls, value: str) -> str:
        _parse_time(value, allow_24=False)
        return value

    @field_validator("end")
    @classmethod
    def _end(cls, value: str) -> str:
        _parse_time(value, allow_24=True)
        return value

    @field_validator("month_days")
    @classmethod
    def _month_days(cls, value: list[int | str] | None) -> list[int | str] | None:
        if value is not None:
            _parse_month_days(value)
        return value

    @model_validator(mode="after")
    def _order(self) -> Period:
        begin, end = self.begin_time, self.end_time
        if end is not None and end <= begin and not self.crosses_midnight:
            raise _FieldError(
                "end",
                f"{self.end} is not after begin {self.begin}; for a period that runs past "
                "midnight set crosses_midnight = true",
            )
        if self.crosses_midnight and (end is None or end > begin):
            raise _FieldError(
                "crosses_midnight", f"{self.begin} to {self.end} does not cross midnight"
            )
        return self

    @cached_property
    def weekdays(self) -> frozenset[int]:
        return parse_days(self.days)

    @cached_property
    def begin_time(self) -> time:
        return _parse_time(self.begin, allow_24=False) or time(0)

    @cached_property
    def end_time(self) -> time | None:
        """The end, ``None`` for 24:00 (the end of the day)."""
        return _parse_time(self.end, allow_24=True)

    @cached_property
    def on_month_days(self) -> frozenset[int] | None:
        return None if self.month_days is None else _parse_month_days(self.month_days)


def _parse_month_days(values: list[int | str]) -> frozenset[int]:
    out: set[int] = set()
    for v in values:
        text = str(v).strip()
        m = re.match(r"^(\d{1,2})(?:-(\d{1,2}))?$", text)
        if not m:
            raise ValueError(f"{v!r} is not a day of the month or a range like 1-7")
        first, last = int(m.group(1)), int(m.group(2) or m.group(1))
        if not (1 <= first <= last <= 31):
            raise ValueError(f"{v!r} is not within 1-31")
        out.update(range(first, last + 1))
    return frozenset(out)


class Override(BaseModel):
    """Always running (or always stopped) until the end of ``until`` in the schedule's zone,
    e.g. a release week or a holiday shutdown; ``from`` (optional) is its first day."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    state: State
    until: date
    from_: date | None = Field(default=None, alias="from")

    @model_validator(mode="after")
    def _order(self) -> Override:
        if self.from_ is not None and self.from_ > self.until:
            raise _FieldError("until", f"{self.until} is before from {self.from_}")
        return self


class Schedule(BaseModel):
    """A named schedule: its zone, periods (running in any of them), overrides, patterns."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    timezone: str
    periods: list[Period] = Field(min_length=1)
    overrides: list[Override] = Field(default_factory=list)
    #: Resource-name patterns (shell globs, e.g. ``dev-*``) that join the schedule without a tag.
    names: list[str] = Field(default_factory=list)
    description: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(
                f"{value!r}: use up to 55 letters, digits, '-', '_' or '.' (it is a tag value)"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            near = sorted(z for z in available_timezones() if z.lower() == value.lower())
            hint = f" (did you mean {near[0]}?)" if near else ""
            raise ValueError(
                f"unknown time zone {value!r}{hint}; use an IANA name like Europe/Berlin"
            ) from None
        return value

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class _FieldError(ValueError):
    """A model-level error that belongs to one field (so the message can name it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _message(err: dict[str, Any]) -> tuple[str, str]:
    """(field path, message) of one pydantic error, naming a model-level error's field."""
    loc = tuple(err["loc"])
    ctx_error = (err.get("ctx") or {}).get("error")
    field = getattr(ctx_error, "field", None)
    if field:
        loc = (*loc, field)
    message = str(ctx_error) if ctx_error is not None else err["msg"]
    if err["type"] == "extra_forbidden":
        message = "unknown field"
    elif err["type"] == "missing":
        message = "required"
    return _where(loc), message


def parse_schedule(name: str, table: Any, *, origin: str = "") -> Schedule:
    """One schedule from its table; a :class:`UserError` naming the schedule and the field."""
    where = f" in {origin}" if origin else ""
    if not isinstance(table, dict):
        raise UserError(f"schedule {name!r}{where}: expected a table of settings")
    try:
        return Schedule.model_validate({**table, "name": name})
    except ValidationError as exc:
        field, message = _message(exc.errors()[0])
        raise UserError(
            f"schedule {name!r}{where}, {field}: {message}",
            "see docs/schedules.md for the schedule file format",
        ) from None


def parse_schedules(data: Any, *, origin: str = "") -> dict[str, Schedule]:
    """Every schedule of a parsed file: the ``schedules`` table (TOML) or mapping (YAML)."""
    tables = data.get("schedules") if isinstance(data, dict) else None
    if not isinstance(tables, dict) or not tables:
        raise UserError(
            f"{origin or 'the schedule file'} has no schedules",
            "add a [schedules.<name>] table (TOML) or a schedules: mapping (YAML)",
        )
    return {str(n): parse_schedule(str(n), t, origin=origin) for n, t in tables.items()}


def load_schedules(path: str | Path) -> dict[str, Schedule]:
    """The schedules of ``mlcost.toml`` or a YAML file, validated."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise UserError(
            f"cannot read the schedule file {p}: {exc.strerror or exc}",
            "pass --file, or create mlcost.toml with [schedules.<name>] tables",
        ) from None
    try:
        if p.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(raw.decode("utf-8"))
        else:
            data = tomllib.loads(raw.decode("utf-8"))
    except Exception as exc:  # TOML/YAML syntax, bad encoding: the parser says where
        raise UserError(
            f"{p} is not valid {'YAML' if p.suffix.lower() in ('.yaml', '.yml') else 'TOML'}: "
            f"{str(exc).splitlines()[0]}",
            "fix the file's syntax",
        ) from None
    return parse_schedules(data, origin=str(p))
