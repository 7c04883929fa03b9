"""Which schedule a resource follows: its ``mlcost:schedule`` tag, else a name pattern.

Why the tag wins: a tag is a decision about this one resource; a pattern is a rule about many.
A resource whose tag names an unknown schedule, or whose name matches the patterns of two
schedules, follows none and is reported: guessing would stop something at the wrong hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from mlcost.schedule.model import SCHEDULE_TAG, Schedule


@dataclass(frozen=True, slots=True)
class Membership:
    """The schedule a resource follows (None: none), how it joined, or why it follows none."""

    schedule: Schedule | None
    via: str  # "tag", "name pattern <glob>", or "" when none
    problem: str | None = None


def schedule_for(name: str, tags: dict[str, str], schedules: dict[str, Schedule]) -> Membership:
    """The schedule ``name`` (with ``tags``) follows among ``schedules``."""
    tagged = tags.get(SCHEDULE_TAG)
    if tagged is not None:
        found = schedules.get(tagged.strip())
        if found is None:
            return Membership(
                None,
                "tag",
                f"tag {SCHEDULE_TAG}={tagged} names no schedule (known: "
                f"{', '.join(sorted(schedules)) or 'none'})",
            )
        return Membership(found, "tag")
    matches = [
        (s, pattern)
        for s in schedules.values()
        for pattern in s.names
        if fnmatchcase(name, pattern)
    ]
    chosen = {s.name for s, _ in matches}
    if len(chosen) > 1:
        return Membership(
            None,
            "name pattern",
            f"name matches the patterns of several schedules ({', '.join(sorted(chosen))}); "
            f"tag it {SCHEDULE_TAG}=<name> to choose",
        )
    if matches:
        schedule, pattern = matches[0]
        return Membership(schedule, f"name pattern {pattern}")
    return Membership(None, "")
