"""A bench run as data (JSON), a Rich table, or Markdown with an inline SVG chart.

Every cost figure is shown with the hourly price it came from, that price's source and date,
the instance count and the measured throughput, so a reader can redo the arithmetic:
usd_per_hour x instances / 3600 / req_per_s x 1000.
"""

from __future__ import annotations

import html
import io
import json
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from mlcost.bench.costs import LevelCost
from mlcost.bench.metrics import LevelSummary

FORMULA = "usd_per_hour x instances / 3600 / req_per_s x 1000 (FMBench's price per transaction)"


def result(
    *,
    target: str,
    backend: str,
    mode: str,
    settings: dict[str, Any],
    levels: list[LevelSummary],
    costs: list[LevelCost],
    warnings: list[str],
) -> dict[str, Any]:
    """The run as one JSON-ready object (what ``-f json`` prints and the journal stores)."""
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "target": target,
        "backend": backend,
        "mode": mode,
        "settings": settings,
        "levels": [level.as_dict() for level in levels],
        "costs": [cost.as_dict() for cost in costs],
        "cost_formula": FORMULA,
        "warnings": warnings,
    }


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2) + "\n"


def _num(value: Any, digits: int = 1) -> str:
    return "—" if value is None else f"{float(value):,.{digits}f}"


def _usd(value: str | None) -> str:
    return "unpriced" if value is None else f"${float(value):,.4f}"


def _load(data: dict[str, Any], level: dict[str, Any]) -> str:
    return f"{level['load']:g} req/s" if data["mode"] == "open" else f"{level['load']:g} clients"


_LEVEL_HEAD = [
    "load",
    "requests",
    "req/s",
    "tok/s",
    "errors",
    "p50 ms",
    "p90 ms",
    "p95 ms",
    "p99 ms",
    "max ms",
    "TTFT p50",
    "TTFT p99",
    "TPOT p50",
    "ITL p99",
]


def _level_row(data: dict[str, Any], level: dict[str, Any]) -> list[str]:
    lat, ttft = level["latency_ms"], level["ttft_ms"]
    errors = ", ".join(f"{k} {v}" for k, v in level["errors"].items()) or "0"
    return [
        _load(data, level),
        str(level["requests"]),
        _num(level["req_per_s"]),
        _num(level["output_tokens_per_s"]),
        f"{level['error_rate']:.1%} ({errors})" if level["errors"] else "0",
        _num(lat["p50"]),
        _num(lat["p90"]),
        _num(lat["p95"]),
        _num(lat["p99"]),
        _num(lat["max"]),
        _num(ttft["p50"]),
        _num(ttft["p99"]),
        _num(level["tpot_ms"]["p50"], 2),
        _num(level["itl_ms"]["p99"], 2),
    ]


_COST_HEAD = [
    "instance type",
    "load",
    "req/s",
    "$/1,000 inferences",
    "$/1M output tokens",
    "$/h x instances",
    "price source (date)",
]


def _cost_row(data: dict[str, Any], cost: dict[str, Any]) -> list[str]:
    price = cost["price"]
    load = f"{cost['load']:g} {'req/s' if data['mode'] == 'open' else 'clients'}"
    if price is None:
        return [cost["instance_type"], load, cost["req_per_s"], "unpriced", "unpriced", "—", "—"]
    basis = "" if price["basis"] == "list" else f", {price['basis']}"
    return [
        cost["instance_type"],
        load,
        cost["req_per_s"],
        _usd(cost["usd_per_1000"]),
        _usd(cost["usd_per_1m_tokens"]),
        f"${price['usd_per_hour']} x {cost['instances']}",
        f"{price['source']} ({price['date']}{basis})",
    ]


def render_table(data: dict[str, Any], console: Console) -> None:
    levels = Table(title=f"mlcost bench {data['target']} ({data['backend']}, {data['mode']} loop)")
    for head in _LEVEL_HEAD:
        levels.add_column(head, justify="left" if head == "load" else "right")
    for level in data["levels"]:
        levels.add_row(*_level_row(data, level))
    console.print(levels)
    if data["costs"]:
        costs = Table(title="cost at the measured throughput")
        for head in _COST_HEAD:
            costs.add_column(head, justify="right" if head.startswith("$") else "left")
        for cost in data["costs"]:
            costs.add_row(*_cost_row(data, cost))
        console.print(costs)
        console.print(f"cost = {data['cost_formula']}")
    for warning in data["warnings"]:
        console.print(f"warning: {warning}")


def table_text(data: dict[str, Any], width: int = 200) -> str:
    buf = io.StringIO()
    render_table(data, Console(file=buf, width=width, no_color=True, highlight=False))
    return buf.getvalue()


def _md_table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return out


def latency_svg(data: dict[str, Any], width: int = 520, height: int = 220) -> str:
    """Latency p50 and p99 against load, as an inline SVG (no scripts, no external assets):
    where p99 bends upward is the knee past which more load buys queueing, not throughput."""
    points = [
        (lv["load"], lv["latency_ms"]["p50"], lv["latency_ms"]["p99"])
        for lv in data["levels"]
        if lv["latency_ms"]["p99"] is not None
    ]
    if not points:
        return ""
    left, bottom, right, top = 60, height - 30, width - 10, 10
    xmax = max(p[0] for p in points) or 1.0
    ymax = max(p[2] for p in points) or 1.0

    def xy(load: float, ms: float) -> str:
        x = left + (right - left) * load / xmax
        y = bottom - (bottom - top) * ms / ymax
        return f"{x:.1f},{y:.1f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">',
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#444"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#444"/>',
        f'<text x="{left}" y="{height - 8}" font-size="11">0</text>',
        f'<text x="{right - 60}" y="{height - 8}" font-size="11">load {xmax:g}</text>',
        f'<text x="2" y="{top + 10}" font-size="11">{ymax:,.0f} ms</text>',
    ]
    for index, colour, name in ((1, "#4a78b5", "p50"), (2, "#c0504d", "p99")):
        line = " ".join(xy(p[0], p[index]) for p in points)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts.append(
            f'<text x="{right - 40}" y="{top + 12 * index}" font-size="11" fill="{colour}">'
            f"{html.escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def to_markdown(data: dict[str, Any]) -> str:
    s = data["settings"]
    lines = [
        f"# mlcost bench: {data['target']}",
        "",
        f"- backend: {data['backend']}; {data['mode']} loop"
        + (f" ({s.get('arrivals')} arrivals)" if data["mode"] == "open" else "")
        + f"; {s.get('duration_s')} s a level; {s.get('payloads')} payloads",
        "- latency is counted from each request's intended send time (no coordinated omission)",
        f"- generated {data['generated_at']}",
        "",
        "## Latency and throughput",
        "",
        *_md_table(_LEVEL_HEAD, [_level_row(data, lv) for lv in data["levels"]]),
        "",
    ]
    if len(data["levels"]) > 1:
        lines += ["Latency against load (p50 blue, p99 red):", "", latency_svg(data), ""]
    if data["costs"]:
        lines += [
            "## Cost at the measured throughput",
            "",
            *_md_table(_COST_HEAD, [_cost_row(data, c) for c in data["costs"]]),
            "",
            f"cost = {data['cost_formula']}",
            "",
        ]
    if data["warnings"]:
        lines += ["## Warnings", "", *[f"- {w}" for w in data["warnings"]], ""]
    return "\n".join(lines)
