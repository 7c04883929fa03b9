"""Which schedule a resource follows: the tag wins over patterns; an unknown schedule in a tag
or a name matching two schedules is reported and follows none (never a guess)."""

from __future__ import annotations

from mlcost.schedule.membership import schedule_for
from mlcost.schedule.model import Period, Schedule

WEEK = [Period(days=["mon-fri"], begin="08:00", end="18:00")]
OFFICE = Schedule(name="office", timezone="Europe/Berlin", periods=WEEK, names=["dev-*"])
NIGHT = Schedule(name="night", timezone="Europe/Berlin", periods=WEEK, names=["*-batch"])
BOTH = {"office": OFFICE, "night": NIGHT}


def test_the_tag_wins_over_a_matching_pattern():
    m = schedule_for("dev-alice", {"mlcost:schedule": "night"}, BOTH)
    assert (m.schedule.name, m.via, m.problem) == ("night", "tag", None)


def test_a_pattern_joins_without_a_tag_and_a_look_alike_does_not():
    m = schedule_for("dev-alice", {}, BOTH)
    assert (m.schedule.name, m.via) == ("office", "name pattern dev-*")
    assert schedule_for("prod-dev-alice", {}, BOTH).schedule is None  # globs match whole names
    assert schedule_for("Dev-alice", {}, BOTH).schedule is None  # and are case-sensitive


def test_a_tag_naming_no_schedule_is_reported():
    m = schedule_for("x", {"mlcost:schedule": "ofice"}, BOTH)
    assert m.schedule is None
    assert m.problem == "tag mlcost:schedule=ofice names no schedule (known: night, office)"


def test_a_name_matching_two_schedules_follows_neither():
    m = schedule_for("dev-batch", {}, BOTH)
    assert m.schedule is None
    assert "several schedules (night, office)" in m.problem
