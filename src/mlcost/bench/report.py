"""A bench run as data (JSON), a Rich table, or Markdown / HTML with inline SVG charts.

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

from mlcost.bench.charts import bench_charts
from mlcost.bench.costs import LevelCost
from mlcost.bench.knee import FOLLOW, knee
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


def knee_text(data: dict[str, Any]) -> str | None:
    """One line naming the run's knee (see :mod:`mlcost.bench.knee`), or None."""
    if len(data["levels"]) < 2:
        return None
    at = knee(data["levels"])
    if at is None:
        return None
    level = data["levels"][at]
    return (
        f"knee: {_load(data, level)} ({_num(level['req_per_s'])} req/s, p99 "
        f"{_num(level['latency_ms']['p99'])} ms) — the highest load whose throughput still "
        f"followed the load (each step up kept >= {FOLLOW:.0%} of the load's growth)"
    )


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
        drawn = bench_charts([data])
        lines += [knee_text(data) or "", "", drawn["latency"], ""]
        if drawn["cost"]:
            lines += [drawn["cost"], ""]
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


def _html_table(head: list[str], rows: list[list[str]]) -> str:
    cells = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def to_html(data: dict[str, Any]) -> str:
    """One self-contained page (no script, no external asset): the tables, the knee, and the
    latency and cost charts with the tables beside them as their text alternative."""
    s = data["settings"]
    title = f"mlcost bench: {data['target']}"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #bbb;padding:2px 6px;text-align:right}</style>",
        "</head><body>",
        f"<h1>{html.escape(title)}</h1>",
        "<p>"
        + html.escape(
            f"backend {data['backend']}; {data['mode']} loop"
            + (f" ({s.get('arrivals')} arrivals)" if data["mode"] == "open" else "")
            + f"; {s.get('duration_s')} s a level; generated {data['generated_at']}; latency "
            "is counted from each request's intended send time (no coordinated omission)"
        )
        + "</p>",
        "<h2>Latency and throughput</h2>",
        _html_table(_LEVEL_HEAD, [_level_row(data, lv) for lv in data["levels"]]),
    ]
    knee_line = knee_text(data)
    if knee_line:
        parts.append(f"<p>{html.escape(knee_line)}</p>")
    drawn = bench_charts([data]) if len(data["levels"]) > 1 else {}
    if drawn.get("latency"):
        parts.append(f"<figure>{drawn['latency']}</figure>")
    if data["costs"]:
        parts += [
            "<h2>Cost at the measured throughput</h2>",
            _html_table(_COST_HEAD, [_cost_row(data, c) for c in data["costs"]]),
            f"<p>cost = {html.escape(data['cost_formula'])}</p>",
        ]
        if drawn.get("cost"):
            parts.append(f"<figure>{drawn['cost']}</figure>")
    if data["warnings"]:
        items = "".join(f"<li>{html.escape(w)}</li>" for w in data["warnings"])
        parts += ["<h2>Warnings</h2>", f"<ul>{items}</ul>"]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
