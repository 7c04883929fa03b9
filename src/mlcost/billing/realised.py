"""Realised savings: what each applied fix saved, read from the bill, against its estimate.

WHY: every figure mlcost shows before a fix is an estimate (catalogue price x quantity x
730 h). A FinOps team must report what was really saved and learn which estimates to trust.
The bill is the only ground truth: the fixed resource's own lines (its ARN or instance id in
the export's resource-id column) before the fix and after it.

How a fix is measured (all in whole bill periods, hours or days):

- the **before** window ends at the start of the period the fix's first change was made in,
  and reaches back ``window`` (or to the bill's first line);
- the **after** window starts at the end of the period the fix was done in (the period that
  holds the change itself mixes both shapes and is left out) and runs ``window`` (or to the
  bill's last usage line);
- hourly cost = the effective cost of the resource's lines wholly inside a window / the
  window's hours; realised monthly saving = (before - after) x 730; ratio = realised /
  estimated monthly saving.

Whatever the resource cost after the fix counts against it: a deleted endpoint recreated by a
pipeline (same name, same ARN), a notebook started again, a fix undone. Those are named
(``came-back``, ``undone``), never left out. A fix whose after window is shorter than
``min_after`` is ``not-yet-measurable`` ("bill ends <date>"), and one whose resource has no
line before the fix is ``not-in-bill`` (an export made without resource ids has none): no
figure is guessed for either.

The SQL is in ``sql/realised_*.sql``; this module only plans windows and judges the sums.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb

from mlcost.billing.queries import sql_text
from mlcost.errors import UserError
from mlcost.model import HOURS_PER_MONTH

CENT = Decimal("0.01")
MICRO = Decimal("0.000001")

#: Fix actions whose resource should bill nothing afterwards (anything billed is a return).
_STOPPING = ("delete-", "stop-")


@dataclass(frozen=True, slots=True)
class FixEvent:
    """One applied fix as the realised report needs it (built from the journal)."""

    fix_id: str
    check_id: str | None
    action: str
    resource_id: str
    resource_arn: str | None
    region: str
    estimated_monthly: Decimal | None
    started_at: datetime  # the first change (mutating call) was made
    settled_at: datetime  # the fix was done (the waiter saw the new state)
    undone_at: datetime | None = None
    #: Instance types the fix moved to (a resize); billing any other type billed before is a
    #: return to the old shape.
    new_instance_types: tuple[str, ...] = ()

    def keys(self) -> list[str]:
        """The resource ids the bill may name this resource by, lower case."""
        return sorted({k.lower() for k in (self.resource_arn, self.resource_id) if k})


@dataclass(frozen=True, slots=True)
class BillSpan:
    """The usage the bill covers: first and last instant, and its period (hour or day)."""

    start: datetime
    end: datetime
    step: timedelta


@dataclass(frozen=True, slots=True)
class UsageLine:
    """The resource's lines of one usage type inside one window, summed."""

    usage_type: str | None
    instance_type: str | None
    cost: Decimal
    first_start: datetime
    last_end: datetime
    lines: int


@dataclass(frozen=True, slots=True)
class Window:
    """A stretch of the bill and what the resource cost in it."""

    start: datetime
    end: datetime
    usage: tuple[UsageLine, ...] = ()

    @property
    def hours(self) -> Decimal:
        return Decimal(int((self.end - self.start).total_seconds())) / Decimal(3600)

    @property
    def cost(self) -> Decimal:
        return sum((u.cost for u in self.usage), Decimal(0))

    @property
    def hourly(self) -> Decimal:
        return self.cost / self.hours if self.hours > 0 else Decimal(0)


@dataclass(slots=True)
class Realised:
    """One fix's realised saving, or why there is none yet."""

    event: FixEvent
    status: str  # measured | came-back | undone | not-yet-measurable | not-in-bill
    note: str | None = None
    before: Window | None = None
    after: Window | None = None
    realised_monthly: Decimal | None = None
    ratio: Decimal | None = None
    came_back_at: datetime | None = None


@dataclass(slots=True)
class Calibration:
    """Per check: how far the realised savings were from the estimates."""

    check_id: str
    fixes: int = 0
    estimated_monthly: Decimal = Decimal(0)
    realised_monthly: Decimal = Decimal(0)
    ratios: list[Decimal] = field(default_factory=list)

    @property
    def average_ratio(self) -> Decimal | None:
        if not self.ratios:
            return None
        return (sum(self.ratios, Decimal(0)) / len(self.ratios)).quantize(CENT)


def _naive(t: datetime) -> datetime:
    """DuckDB's TIMESTAMP columns hold UTC without a zone."""
    return t.astimezone(UTC).replace(tzinfo=None) if t.tzinfo else t


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _floor(t: datetime, step: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + ((t - epoch) // step) * step


def _ceil(t: datetime, step: timedelta) -> datetime:
    floored = _floor(t, step)
    return floored if floored == t else floored + step


def bill_span(con: duckdb.DuckDBPyConnection) -> BillSpan:
    """The bill's usage span (``sql/realised_bill_span.sql``); a bill without usage is refused."""
    start, end, step = con.execute(sql_text("realised_bill_span")).fetchone()
    if start is None:
        raise UserError(
            "the billing database has no usage lines to measure fixes against",
            "ingest the billing export first: mlcost billing ingest FILES --db FILE",
        )
    step = timedelta(days=1) if step >= timedelta(days=1) else timedelta(hours=1)
    return BillSpan(_aware(start), _aware(end), step)


def resource_usage(
    con: duckdb.DuckDBPyConnection, keys: list[str], start: datetime, end: datetime
) -> tuple[UsageLine, ...]:
    """The resource's lines wholly inside [start, end), per usage type
    (``sql/realised_resource_lines.sql``)."""
    rows = con.execute(
        sql_text("realised_resource_lines"),
        {"keys": keys, "window_start": _naive(start), "window_end": _naive(end)},
    ).fetchall()
    return tuple(
        UsageLine(
            usage_type=r[0],
            instance_type=r[1],
            cost=Decimal(r[2] or 0),
            first_start=_aware(r[4]),
            last_end=_aware(r[5]),
            lines=int(r[6]),
        )
        for r in rows
    )


def windows(
    event: FixEvent, span: BillSpan, window: timedelta
) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime]]:
    """The before and after windows of a fix, in whole bill periods, clipped to the bill."""
    change = _floor(event.started_at, span.step)
    settled = _ceil(event.settled_at, span.step)
    before = (max(change - window, span.start), change)
    after = (settled, min(settled + window, span.end))
    return before, after


def judge(
    event: FixEvent,
    span: BillSpan,
    before: Window,
    after: Window,
    *,
    min_after: timedelta,
) -> Realised:
    """A fix's figures from its two windows, or why there are none (pure)."""
    if after.end - after.start < min_after:
        return Realised(
            event,
            "not-yet-measurable",
            f"bill ends {span.end:%Y-%m-%d %H:%M} UTC: not yet measurable "
            f"(needs {_hours(min_after)} h after the fix, done {event.settled_at:%Y-%m-%d %H:%M})",
            before=before,
        )
    if before.hours <= 0:
        return Realised(
            event,
            "not-in-bill",
            f"bill starts {span.start:%Y-%m-%d %H:%M} UTC, after the fix: nothing to compare",
            after=after,
        )
    if not before.usage:
        return Realised(
            event,
            "not-in-bill",
            f"no line of {', '.join(event.keys())} in the bill before the fix "
            "(was the export made with resource ids?)",
            before=before,
            after=after,
        )
    saving_hourly = before.hourly - after.hourly
    realised = (saving_hourly * HOURS_PER_MONTH).quantize(CENT)
    ratio = None
    if event.estimated_monthly:
        ratio = (saving_hourly * HOURS_PER_MONTH / event.estimated_monthly).quantize(CENT)
    result = Realised(
        event, "measured", None, before, after, realised_monthly=realised, ratio=ratio
    )
    back = _came_back(event, before, after)
    if event.undone_at is not None:
        result.status = "undone"
        result.note = f"undone {event.undone_at:%Y-%m-%d %H:%M} UTC: its cost since counts against"
    elif back:
        first = min(u.first_start for u in back)
        result.status = "came-back"
        result.came_back_at = first
        result.note = (
            f"came back: billed again from {first:%Y-%m-%d %H:%M} UTC "
            f"({', '.join(sorted({u.usage_type or '?' for u in back}))}): counts against"
        )
    return result


def _came_back(event: FixEvent, before: Window, after: Window) -> list[UsageLine]:
    """Instance usage billed after the fix that the fix took away.

    A delete or stop should leave no instance-hours (storage of a stopped notebook may stay);
    a resize should leave none of the old types (those billed before, not moved to).
    """
    instance_after = [u for u in after.usage if u.instance_type and u.cost > 0]
    if event.action.startswith(_STOPPING):
        return instance_after
    if event.new_instance_types:
        old = {u.instance_type for u in before.usage if u.instance_type}
        old -= set(event.new_instance_types)
        return [u for u in instance_after if u.instance_type in old]
    return []


def _hours(d: timedelta) -> int:
    return int(d.total_seconds() // 3600)


def measure(
    con: duckdb.DuckDBPyConnection,
    events: list[FixEvent],
    *,
    window: timedelta = timedelta(days=7),
    min_after: timedelta = timedelta(hours=24),
) -> tuple[BillSpan, list[Realised]]:
    """Every fix measured against the bill, in the order given."""
    span = bill_span(con)
    results = []
    for event in events:
        (b0, b1), (a0, a1) = windows(event, span, window)
        keys = event.keys()
        before = Window(b0, b1, resource_usage(con, keys, b0, b1) if b1 > b0 else ())
        after = Window(a0, a1, resource_usage(con, keys, a0, a1) if a1 > a0 else ())
        results.append(judge(event, span, before, after, min_after=min_after))
    return span, results


def calibration(results: list[Realised]) -> dict[str, Calibration]:
    """Per check, over the fixes with a realised figure: sums and the average ratio."""
    out: dict[str, Calibration] = defaultdict(lambda: Calibration(""))
    for r in results:
        if r.realised_monthly is None:
            continue
        check = r.event.check_id or "(none)"
        c = out[check]
        c.check_id = check
        c.fixes += 1
        c.realised_monthly += r.realised_monthly
        c.estimated_monthly += r.event.estimated_monthly or Decimal(0)
        if r.ratio is not None:
            c.ratios.append(r.ratio)
    return dict(sorted(out.items()))


def _window_json(w: Window | None) -> dict[str, Any] | None:
    if w is None:
        return None
    return {
        "start": w.start.isoformat(),
        "end": w.end.isoformat(),
        "hours": _plain(w.hours),
        "cost_usd": _plain(w.cost),
        "hourly_usd": str(w.hourly.quantize(MICRO)),
        "usage": [
            {
                "usage_type": u.usage_type,
                "instance_type": u.instance_type,
                "cost_usd": _plain(u.cost),
                "lines": u.lines,
                "first_start": u.first_start.isoformat(),
                "last_end": u.last_end.isoformat(),
            }
            for u in w.usage
        ],
    }


def to_json(span: BillSpan, results: list[Realised], window: timedelta) -> dict[str, Any]:
    """The report as JSON: Decimal as plain strings, times ISO-8601 UTC."""
    calib = calibration(results)
    return {
        "bill": {
            "start": span.start.isoformat(),
            "end": span.end.isoformat(),
            "period_hours": _hours(span.step),
        },
        "window_hours": _hours(window),
        "basis": "effective cost of the resource's lines; monthly = hourly x 730",
        "fixes": [
            {
                "fix_id": r.event.fix_id,
                "check": r.event.check_id,
                "action": r.event.action,
                "resource_id": r.event.resource_id,
                "resource_arn": r.event.resource_arn,
                "region": r.event.region,
                "fixed_at": r.event.started_at.isoformat(),
                "done_at": r.event.settled_at.isoformat(),
                "undone_at": r.event.undone_at.isoformat() if r.event.undone_at else None,
                "status": r.status,
                "note": r.note,
                "before": _window_json(r.before),
                "after": _window_json(r.after),
                "hourly_before_usd": _micro(r.before) if r.realised_monthly is not None else None,
                "hourly_after_usd": _micro(r.after) if r.realised_monthly is not None else None,
                "realised_monthly_usd": _str(r.realised_monthly),
                "estimated_monthly_usd": _str(r.event.estimated_monthly),
                "ratio": _str(r.ratio),
                "came_back_at": r.came_back_at.isoformat() if r.came_back_at else None,
            }
            for r in results
        ],
        "calibration": {
            check: {
                "fixes": c.fixes,
                "estimated_monthly_usd": str(c.estimated_monthly),
                "realised_monthly_usd": str(c.realised_monthly),
                "average_ratio": _str(c.average_ratio),
            }
            for check, c in calib.items()
        },
    }


def _plain(d: Decimal) -> str:
    """Plain notation without trailing zeros, as the billing report writes Decimal:
    ``"51.5"``, ``"100"``, ``"0"`` (never ``"1E+2"``)."""
    return format(d.normalize(), "f") if d else "0"


def _micro(w: Window | None) -> str | None:
    return None if w is None else str(w.hourly.quantize(MICRO))


def _str(d: Decimal | None) -> str | None:
    return None if d is None else str(d)
