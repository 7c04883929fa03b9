"""Charts as inline SVG, drawn on the server: the billing report and `mlcost serve` use them.

Why server-side SVG: the pages must render offline and without JavaScript (no CDN, nothing
to vendor), and an SVG in the HTML is one request. Every chart carries ``role="img"``, an
``aria-label`` and a ``<title>``; the pages put the numbers in a table beside it, so a screen
reader (or a copy and paste) gets the figures, not a picture of them.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from mlcost.model import usd

#: Colours of successive lines (blue, red, green, purple, orange, grey).
PALETTE = ("#4a78b5", "#c0504d", "#4e9a51", "#7d5ba6", "#d98c1f", "#666666")


def _open(width: int, height: int, title: str) -> str:
    t = html.escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{t}"><title>{t}</title>'
    )


def dollars(value: Decimal | float) -> str:
    return f"${usd(Decimal(str(value))):,.2f}"


def bars(
    labels: Sequence[str],
    values: Sequence[Decimal | float],
    *,
    title: str = "bar chart",
    width: int = 520,
    label_width: int = 150,
    fmt: Callable[[Decimal | float], str] = lambda v: f"{usd(Decimal(str(v))):,.2f}",
) -> str:
    """Horizontal bars, one per label, each with its value written after it."""
    top = max((float(v) for v in values), default=0.0) or 1.0
    h = 22
    parts = [_open(width, h * len(values) + 4, title)]
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        w = int((width - label_width - 110) * max(float(v), 0.0) / top)
        y = i * h + 2
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="12">{html.escape(lab)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{max(w, 1)}" height="{h - 6}" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{label_width + 5 + w}" y="{y + 15}" font-size="12">'
            f"{html.escape(fmt(v))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a line chart: its name (the legend) and its (x, y) points in order."""

    name: str
    points: Sequence[tuple[float, float]]


@dataclass(frozen=True, slots=True)
class Marker:
    """A labelled point drawn over a line chart (e.g. the optimum commitment)."""

    label: str
    x: float
    y: float


def lines(
    series: Sequence[Line],
    *,
    title: str,
    x_label: str,
    y_label: str,
    width: int = 560,
    height: int = 240,
    x_fmt: Callable[[float], str] = lambda v: f"{v:g}",
    y_fmt: Callable[[float], str] = lambda v: f"{v:,.0f}",
    markers: Sequence[Marker] = (),
    y_min: float | None = None,
) -> str:
    """Lines over shared axes with their extremes labelled, a legend and optional markers.
    Empty when no line has a point (the page then shows its table alone)."""
    points = [p for s in series for p in s.points]
    if not points:
        return ""
    left, bottom, right, top = 70, height - 34, width - 110, 12
    xs = [p[0] for p in points] + [m.x for m in markers]
    ys = [p[1] for p in points] + [m.y for m in markers]
    x0, x1 = min(xs), max(xs)
    y0 = min(ys) if y_min is None else min(y_min, min(ys))
    y1 = max(ys)
    xspan = (x1 - x0) or 1.0
    yspan = (y1 - y0) or 1.0

    def xy(x: float, y: float) -> tuple[float, float]:
        return (
            left + (right - left) * (x - x0) / xspan,
            bottom - (bottom - top) * (y - y0) / yspan,
        )

    parts = [
        _open(width, height, title),
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#444"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#444"/>',
        f'<text x="{left}" y="{height - 18}" font-size="11">{html.escape(x_fmt(x0))}</text>',
        f'<text x="{right}" y="{height - 18}" font-size="11" text-anchor="end">'
        f"{html.escape(x_fmt(x1))}</text>",
        f'<text x="{(left + right) // 2}" y="{height - 4}" font-size="11" text-anchor="middle">'
        f"{html.escape(x_label)}</text>",
        f'<text x="{left - 4}" y="{top + 10}" font-size="11" text-anchor="end">'
        f"{html.escape(y_fmt(y1))}</text>",
        f'<text x="{left - 4}" y="{bottom}" font-size="11" text-anchor="end">'
        f"{html.escape(y_fmt(y0))}</text>",
        f'<text x="4" y="{(top + bottom) // 2}" font-size="11">{html.escape(y_label)}</text>',
    ]
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        coords = [xy(x, y) for x, y in s.points]
        if len(coords) == 1:
            cx, cy = coords[0]
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{colour}"/>')
        elif coords:
            path = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coords)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        parts.append(
            f'<text x="{right + 8}" y="{top + 12 + 14 * i}" font-size="11" fill="{colour}">'
            f"{html.escape(s.name)}</text>"
        )
    for m in markers:
        cx, cy = xy(m.x, m.y)
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="none" stroke="#000" '
            f'stroke-width="2"/><text x="{cx + 7:.1f}" y="{cy - 7:.1f}" font-size="11">'
            f"{html.escape(m.label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
