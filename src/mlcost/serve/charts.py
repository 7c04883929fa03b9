"""The dashboard's charts: stored data (metric series, bench runs, plan curves) turned into
:mod:`mlcost.charts` SVG, each with the rows of the table shown beside it."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from mlcost import charts


def series_chart(series: dict[str, Any]) -> dict[str, Any]:
    """One stored metric series: a line over the window, hours on the x axis."""
    points = [(datetime.fromisoformat(t), v) for t, v in series.get("points", [])]
    dims = ", ".join(f"{k}={v}" for k, v in sorted(series.get("dimensions", {}).items()))
    title = f"{series['namespace']} {series['metric']} ({series['stat']}) {dims}"
    svg = ""
    if points:
        t0 = points[0][0]

        def label(hours: float) -> str:
            return f"{t0 + timedelta(hours=hours):%m-%d %H:%M}"

        svg = charts.lines(
            [
                charts.Line(
                    series["name"],
                    [((t - t0).total_seconds() / 3600, float(v)) for t, v in points],
                )
            ],
            title=title,
            x_label="time (UTC)",
            y_label=series["metric"],
            x_fmt=label,
            y_fmt=lambda v: f"{v:,.2f}",
            y_min=0.0,
        )
    return {
        "title": title,
        "status": series.get("status", "ok"),
        "error": series.get("error"),
        "svg": svg,
        "rows": [(f"{t:%Y-%m-%d %H:%M}", v) for t, v in points],
        "summary": _summary([v for _, v in points]),
    }


def _summary(values: list[float]) -> str:
    if not values:
        return "no datapoints in the window"
    return (
        f"{len(values)} datapoints; min {min(values):,.2f}, max {max(values):,.2f}, "
        f"sum {sum(values):,.2f}"
    )


def plan_charts(curve: list[dict[str, Any]], optimum: dict[str, Any]) -> tuple[str, str]:
    """Net savings, and utilisation, against the hourly commitment; the optimum marked."""

    def per_hour(v: float) -> str:
        return f"${v:,.3f}/h"

    best = optimum["commitment_usd_per_hour"]
    savings = charts.lines(
        [
            charts.Line(
                "net savings",
                [(o["commitment_usd_per_hour"], o["net_savings_usd_observed"]) for o in curve],
            )
        ],
        title="savings-plan commitment: net savings over the observed hours",
        x_label="commitment ($/h)",
        y_label="net $",
        x_fmt=per_hour,
        y_fmt=lambda v: f"${v:,.0f}",
        markers=[charts.Marker("optimum", best, optimum["net_savings_usd_observed"])],
    )
    utilisation = charts.lines(
        [
            charts.Line(
                "utilisation",
                [(o["commitment_usd_per_hour"], o["utilisation"] * 100) for o in curve],
            )
        ],
        title="savings-plan commitment: utilisation of the commitment",
        x_label="commitment ($/h)",
        y_label="% used",
        x_fmt=per_hour,
        y_fmt=lambda v: f"{v:.0f}%",
        markers=[charts.Marker("optimum", best, optimum["utilisation"] * 100)],
        y_min=0.0,
    )
    return savings, utilisation


def money_bars(labels: list[str], values: list[Decimal], title: str) -> str:
    return charts.bars(labels, values, title=title)
