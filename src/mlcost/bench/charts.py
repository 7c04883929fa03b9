"""Bench runs drawn with :mod:`mlcost.charts`: latency against load and dollars per 1,000
inferences against throughput, the knee marked. The bench's Markdown and HTML reports and
`mlcost serve`'s Bench page draw the same charts from the same stored runs."""

from __future__ import annotations

from typing import Any

from mlcost import charts
from mlcost.bench.knee import knee


def _run_name(run: dict[str, Any]) -> str:
    types = sorted({c["instance_type"] for c in run["costs"]})
    return ", ".join(types) or run["target"]


def bench_charts(runs: list[dict[str, Any]]) -> dict[str, str]:
    """Latency (p50, p99) against load, and dollars per 1,000 inferences against throughput,
    one line per run's instance type; each run's knee marked on its p99 line."""
    latency: list[charts.Line] = []
    cost: list[charts.Line] = []
    markers: list[charts.Marker] = []
    for run in runs:
        name = _run_name(run)
        levels = [lv for lv in run["levels"] if lv["latency_ms"].get("p99") is not None]
        latency.append(
            charts.Line(f"{name} p50", [(lv["load"], lv["latency_ms"]["p50"]) for lv in levels])
        )
        latency.append(
            charts.Line(f"{name} p99", [(lv["load"], lv["latency_ms"]["p99"]) for lv in levels])
        )
        at = knee(run["levels"])
        if at is not None and len(run["levels"]) > 1:
            level = run["levels"][at]
            if level["latency_ms"].get("p99") is not None:
                markers.append(
                    charts.Marker(
                        f"knee {level['load']:g}", level["load"], level["latency_ms"]["p99"]
                    )
                )
        by_type: dict[str, list[tuple[float, float]]] = {}
        for c in run["costs"]:
            if c.get("usd_per_1000") is not None:
                by_type.setdefault(c["instance_type"], []).append(
                    (float(c["req_per_s"]), float(c["usd_per_1000"]))
                )
        cost += [charts.Line(t, sorted(pts)) for t, pts in by_type.items()]
    return {
        "latency": charts.lines(
            latency,
            title="latency against load",
            x_label="offered load (req/s or clients)",
            y_label="ms",
            y_min=0.0,
            markers=markers,
        ),
        "cost": charts.lines(
            cost,
            title="dollars per 1,000 inferences against throughput",
            x_label="achieved req/s",
            y_label="$ / 1,000",
            y_fmt=lambda v: f"${v:,.4f}",
            y_min=0.0,
        ),
    }
