"""Jinja2 rendering for the dashboard: one autoescaping environment over the packaged
templates, with the filters the pages share (money, percentages, times)."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from mlcost.model import usd

#: The pages in the navigation bar: (path, label).
NAV = (
    ("/", "Overview"),
    ("/findings", "Findings"),
    ("/billing", "Billing"),
    ("/schedules", "Schedules"),
    ("/bench", "Bench"),
)


def money(value: Any) -> str:
    """Dollars to the cent; ``unpriced`` for None (an unpriced figure is never $0)."""
    if value is None or value == "":
        return "unpriced"
    return f"${usd(Decimal(str(value))):,.2f}"


def pct(value: Any, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{float(value) * 100:.{digits}f}%"


def when(value: Any) -> str:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M} UTC"
    return "" if value is None else str(value)


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mlcost.serve", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(money=money, pct=pct, when=when, pretty=pretty)
    env.globals.update(nav=NAV, svg=lambda s: Markup(s))  # our own charts, escaped inside
    return env


def render(
    request: Request, template: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    page = (
        environment()
        .get_template(template)
        .render(
            request=request,
            path=request.url.path,
            csrf=getattr(request.app.state, "csrf", ""),
            **context,
        )
    )
    return HTMLResponse(page, status_code=status)
