"""Schedules: each schedule of the configuration file as a week calendar on its own clock,
the resources the journal saw it act on, and the monthly saving of those resources
(off-hours x catalogue price, the figures of `mlcost schedule run`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mlcost.serve.app import PageError, sources
from mlcost.serve.render import render

router = APIRouter()


def hour_grid(days: list[tuple[date, list[tuple[time, time | None]]]]) -> list[list[int]]:
    """Minutes running in each hour (0..60), 24 rows x 7 days: the calendar's cells."""

    def minutes(t: time | None) -> int:
        return 24 * 60 if t is None else t.hour * 60 + t.minute

    grid = [[0] * len(days) for _ in range(24)]
    for d, (_, intervals) in enumerate(days):
        for start, end in intervals:
            a, b = minutes(start), minutes(end)
            for h in range(24):
                grid[h][d] += max(0, min(b, (h + 1) * 60) - max(a, h * 60))
    return grid


def _config_schedules(request: Request) -> dict[str, Any]:
    from mlcost.errors import UserError
    from mlcost.schedule.model import load_schedules

    path = sources(request).config.config
    if path is None or not path.exists():
        return {}
    try:
        return load_schedules(path)
    except UserError as exc:
        raise PageError(409, exc.problem, exc.hint) from None


@router.get("/schedules", response_class=HTMLResponse)
def schedules(request: Request, week: str | None = None) -> HTMLResponse:
    from mlcost.schedule.desired import week_view
    from mlcost.schedule.kinds.base import Member
    from mlcost.schedule.saving import schedule_saving

    try:
        week_of = date.fromisoformat(week) if week else datetime.now(UTC).date()
    except ValueError:
        raise PageError(400, f"week={week!r} is not a date", "e.g. week=2026-12-07") from None
    if not 1970 <= week_of.year <= 9998:  # the week view steps days past it: no overflow
        raise PageError(400, f"week={week!r} is out of range", "a week from 1970 to 9998")
    defined = _config_schedules(request)
    actions = sources(request).journal().fixes(kind="schedule")
    shown = []
    for name, schedule in sorted(defined.items()):
        view = week_view(schedule, week_of)
        mine = [a for a in actions if a["params"].get("schedule") == name]
        latest: dict[tuple[str, str], dict[str, Any]] = {}
        for a in mine:  # oldest first: the last row of a resource is its latest state
            latest[(a["region"], a["resource_id"])] = a
        members = [Member.from_params(a["params"]["member"]) for a in latest.values()]
        shown.append(
            {
                "name": name,
                "schedule": schedule,
                "view": view,
                "grid": hour_grid(view.days),
                "members": list(latest.values()),
                "saving": schedule_saving(name, view, week_of, members),
                "recent": mine[-10:][::-1],
            }
        )
    return render(
        request,
        "schedules.html",
        {"shown": shown, "config": sources(request).config.config, "week_of": week_of},
    )
