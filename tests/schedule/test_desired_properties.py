"""Property tests of the desired-state function: DST in three zones, midnight, overlaps.

The properties are stated independently of the implementation: a wall-clock period keeps its
local hours whatever the UTC offset that day; a period crossing midnight is the union of its
evening and its next morning; overlapping periods are a union, in any order.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mlcost.schedule.desired import desired_state, week_view
from mlcost.schedule.model import WEEKDAYS, Period, Schedule

ZONES = ["America/New_York", "Europe/Berlin", "Australia/Sydney"]

#: The DST changes of 2026 in each zone (local dates), from the IANA rules: New York second
#: Sunday of March / first Sunday of November; Berlin last Sunday of March / October; Sydney
#: first Sunday of April (back) / first Sunday of October (forward).
DST_DAYS = {
    "America/New_York": [date(2026, 3, 8), date(2026, 11, 1)],
    "Europe/Berlin": [date(2026, 3, 29), date(2026, 10, 25)],
    "Australia/Sydney": [date(2026, 4, 5), date(2026, 10, 4)],
}


def office(zone: str, *periods: Period) -> Schedule:
    return Schedule(
        name="office",
        timezone=zone,
        periods=list(periods) or [Period(days=["mon-fri"], begin="08:00", end="18:00")],
    )


def local(zone: str, day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), ZoneInfo(zone)).astimezone(UTC)


def test_the_dst_days_are_real_transitions():
    """Guards the table above: the UTC offset differs the day before and the day after."""
    for zone, days in DST_DAYS.items():
        for day in days:
            z = ZoneInfo(zone)
            before = datetime.combine(day - timedelta(days=1), time(12), z).utcoffset()
            after = datetime.combine(day + timedelta(days=1), time(12), z).utcoffset()
            assert before != after, (zone, day)


zone_st = st.sampled_from(ZONES)
dst_day_st = st.sampled_from([(z, d) for z, ds in DST_DAYS.items() for d in ds])


@settings(deadline=None)  # a loaded CI machine is no reason to fail
@given(dst_day_st, st.integers(min_value=-3, max_value=3))
def test_0759_stopped_0801_running_around_dst(zone_day, shift):
    """On the days around each DST change, 07:59 local is off and 08:01 on (a weekday), and
    18:01 off — the office's clock, not UTC's."""
    zone, dst_day = zone_day
    day = dst_day + timedelta(days=shift)
    s = office(zone)
    weekday = day.weekday() < 5
    assert desired_state(s, local(zone, day, 7, 59)) == "stopped"
    assert desired_state(s, local(zone, day, 8, 1)) == ("running" if weekday else "stopped")
    assert desired_state(s, local(zone, day, 17, 59)) == ("running" if weekday else "stopped")
    assert desired_state(s, local(zone, day, 18, 1)) == "stopped"


@settings(max_examples=12, deadline=None)
@given(dst_day_st)
def test_a_week_with_a_dst_change_still_runs_50_hours(zone_day):
    """Mon-Fri 08:00-18:00 runs 5 x 10 = 50 real hours in the week of a DST change (the
    change happens at night); the week itself has 168 - 1 or 168 + 1 real hours."""
    zone, day = zone_day
    week = week_view(office(zone), day)
    assert week.running_hours == 50
    assert week.running_hours + week.stopped_hours in (167, 169)
    for d, intervals in week.days:
        assert intervals == ([(time(8), time(18))] if d.weekday() < 5 else [])


minute_st = st.integers(min_value=0, max_value=24 * 60 - 1)
days_st = st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True)
instant_st = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


day_st = st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31))


@settings(deadline=None)  # a loaded CI machine is no reason to fail
@given(zone_st, days_st, minute_st, minute_st, day_st, st.integers(-2, 2), st.booleans())
def test_crossing_midnight_is_its_evening_plus_next_morning(
    zone, days, b, e, day, delta, near_begin
):
    """``days b -> e`` crossing midnight equals ``days b-24:00`` or ``next days 00:00-e``,
    checked at local times within two minutes of the begin or the end (where it can go
    wrong), on any day of two years (DST days included)."""
    b, e = max(b, e), min(b, e)
    assume(0 < e < b)
    crossing = office(zone, Period(days=days, begin=hhmm(b), end=hhmm(e), crosses_midnight=True))
    next_days = [WEEKDAYS[(WEEKDAYS.index(d) + 1) % 7] for d in days]
    split = office(
        zone,
        Period(days=days, begin=hhmm(b), end="24:00"),
        Period(days=next_days, begin="00:00", end=hhmm(e)),
    )
    minute = min(max((b if near_begin else e) + delta, 0), 24 * 60 - 1)
    at = datetime.combine(day, time(minute // 60, minute % 60), ZoneInfo(zone)).astimezone(UTC)
    assert desired_state(crossing, at) == desired_state(split, at)


def period_st():
    return st.tuples(days_st, minute_st, minute_st).map(
        lambda t: (
            Period(days=t[0], begin=hhmm(min(t[1], t[2])), end=hhmm(max(t[1], t[2]) + 1))
            if max(t[1], t[2]) + 1 < 24 * 60
            else Period(days=t[0], begin=hhmm(min(t[1], t[2])), end="24:00")
        )
    )


@settings(deadline=None)  # a loaded CI machine is no reason to fail
@given(zone_st, st.lists(period_st(), min_size=2, max_size=4), instant_st)
def test_overlapping_periods_are_a_union_in_any_order(zone, periods, at):
    """Running in the schedule iff running in one of its periods alone; order is irrelevant."""
    together = desired_state(office(zone, *periods), at)
    alone = [desired_state(office(zone, p), at) for p in periods]
    assert together == ("running" if "running" in alone else "stopped")
    assert desired_state(office(zone, *reversed(periods)), at) == together


@settings(deadline=None)  # a loaded CI machine is no reason to fail
@given(zone_st, instant_st)
def test_an_override_wins_until_the_end_of_its_day(zone, at):
    """An always-stopped override until a local date holds through that date, then the
    periods decide again."""
    z = ZoneInfo(zone)
    day = at.astimezone(z).date()
    always = Period(days=["mon-sun"], begin="00:00", end="24:00")
    held = Schedule(
        name="o", timezone=zone, periods=[always], overrides=[{"state": "stopped", "until": day}]
    )
    assert desired_state(held, at) == "stopped"
    expired = Schedule(
        name="o",
        timezone=zone,
        periods=[always],
        overrides=[{"state": "stopped", "until": day - timedelta(days=1)}],
    )
    assert desired_state(expired, at) == "running"


def test_month_days_limit_the_days_a_period_begins():
    """First Monday-Friday of the month only (1-7), Berlin: 2026-12-07 is a Monday in range,
    2026-12-08 a Tuesday out of it."""
    s = office(
        "Europe/Berlin", Period(days=["mon-fri"], begin="09:00", end="17:00", month_days=["1-7"])
    )
    assert desired_state(s, local("Europe/Berlin", date(2026, 12, 7), 10, 0)) == "running"
    assert desired_state(s, local("Europe/Berlin", date(2026, 12, 8), 10, 0)) == "stopped"


def test_a_naive_time_is_refused():
    import pytest

    from mlcost.errors import UserError

    with pytest.raises(UserError, match="without a time zone"):
        desired_state(office("Europe/Berlin"), datetime(2026, 12, 1, 8, 0))
