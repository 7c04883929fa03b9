"""The desired state of a schedule at an instant: a pure function of the schedule and the time.

Why wall-clock time: "08:00 to 18:00 in Europe/Berlin" means the office's clock, whatever the
UTC offset that day. The instant is converted to the schedule's zone (zoneinfo, so DST follows
the IANA database) and the local date and time are compared with the periods. A period crossing
midnight runs from ``begin`` on one of its days to ``end`` on the next day; periods overlap by
union (running in any period is running). An override active on the local date wins over the
periods; the first active one in file order decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from mlcost.errors import UserError
from mlcost.schedule.model import Period, Schedule, State


def _begins_on(period: Period, day: date) -> bool:
    """Whether ``period`` has a run beginning on the local date ``day``."""
    if day.weekday() not in period.weekdays:
        return False
    month_days = period.on_month_days
    return month_days is None or day.day in month_days


def period_covers(period: Period, local: datetime) -> bool:
    """Whether the local wall-clock time ``local`` (naive or aware, in the schedule's zone)
    falls in ``period``."""
    day, now = local.date(), local.time().replace(tzinfo=None)
    begin, end = period.begin_time, period.end_time
    if period.crosses_midnight:
        assert end is not None  # validated: a crossing period ends before 24:00
        return (_begins_on(period, day) and now >= begin) or (
            _begins_on(period, day - timedelta(days=1)) and now < end
        )
    return _begins_on(period, day) and begin <= now and (end is None or now < end)


def override_at(schedule: Schedule, local_day: date) -> State | None:
    """The state the first override active on ``local_day`` forces, if any."""
    for override in schedule.overrides:
        if (override.from_ is None or override.from_ <= local_day) and local_day <= override.until:
            return override.state
    return None


def local_time(schedule: Schedule, at: datetime) -> datetime:
    """``at`` on the schedule's clock; a naive ``at`` is refused (its zone would be a guess)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise UserError(
            f"a time without a time zone ({at.isoformat()}) for schedule {schedule.name!r}",
            "give an offset (2026-12-01T08:00+01:00) or --tz",
        )
    return at.astimezone(schedule.zone)


def desired_state(schedule: Schedule, at: datetime) -> State:
    """``running`` or ``stopped``: what the schedule wants at the instant ``at``."""
    local = local_time(schedule, at)
    forced = override_at(schedule, local.date())
    if forced is not None:
        return forced
    if any(period_covers(p, local) for p in schedule.periods):
        return "running"
    return "stopped"


@dataclass(frozen=True, slots=True)
class WeekView:
    """A schedule's week on its own clock: the running intervals of each local day (``to``
    None: until midnight) and the running and stopped hours of real time."""

    days: list[tuple[date, list[tuple[time, time | None]]]]
    running_hours: Decimal
    stopped_hours: Decimal


def week_view(schedule: Schedule, week_of: date) -> WeekView:
    """The local week (Monday first) containing ``week_of``, sampled each minute of real
    time: a DST day shows its missing or doubled hour as it happens, and the hours are the
    hours a resource would really run (23 or 25 on a DST day)."""
    monday = week_of - timedelta(days=week_of.weekday())
    zone = schedule.zone
    days: list[tuple[date, list[tuple[time, time | None]]]] = []
    running_minutes = stopped_minutes = 0
    for offset in range(7):
        day = monday + timedelta(days=offset)
        at = datetime.combine(day, time(0), zone).astimezone(UTC)
        stop = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
        intervals: list[tuple[time, time | None]] = []
        opened: time | None = None
        while at < stop:
            running = desired_state(schedule, at) == "running"
            local = at.astimezone(zone).time().replace(tzinfo=None)
            if running:
                running_minutes += 1
                if opened is None:
                    opened = local
            else:
                stopped_minutes += 1
                if opened is not None:
                    intervals.append((opened, local))
                    opened = None
            at += _MINUTE
        if opened is not None:
            intervals.append((opened, None))
        days.append((day, intervals))
    return WeekView(days, Decimal(running_minutes) / 60, Decimal(stopped_minutes) / 60)


_MINUTE = timedelta(minutes=1)
