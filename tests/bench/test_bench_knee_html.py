"""The knee of a bench run, and the self-contained HTML report that marks it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from mlcost.bench import report
from mlcost.bench.knee import knee


def levels(*pairs: tuple[float, float], p99: float = 100.0) -> list[dict]:
    """(load, req/s) pairs as stored levels."""
    return [
        {"load": load, "ok": 1 if rps else 0, "req_per_s": rps, "latency_ms": {"p99": p99}}
        for load, rps in pairs
    ]


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        # 1 -> 2 clients: load +100 %, req/s +80 % (>= 50 %) follows; 2 -> 4: +100 % load,
        # +40 % req/s (< 50 %): the knee is 2 clients
        (((1, 10.0), (2, 18.0), (4, 25.2), (8, 26.0)), 1),
        # every step keeps at least half the load's growth: the last level
        (((1, 10.0), (2, 15.0), (4, 22.5)), 2),
        # exactly half is still following (1 -> 2: +50 % req/s for +100 % load)
        (((1, 10.0), (2, 15.0), (4, 15.1)), 1),
        # the first step already flat: the lightest level
        (((100, 99.0), (200, 101.0)), 0),
        # a level that answered nothing is skipped, not a knee
        (((1, 0.0), (2, 20.0), (4, 40.0)), 2),
        # one level is its own knee
        (((1, 5.0),), 0),
    ],
)
def test_knee_is_the_last_level_whose_throughput_follows_the_load(pairs, expected):
    assert knee(levels(*pairs)) == expected


def test_no_answered_level_has_no_knee():
    assert knee(levels((1, 0.0), (2, 0.0))) is None


def _run(target: str = "http://127.0.0.1:8000/v1/<b>x</b>") -> dict:
    lv = [
        {
            "mode": "closed", "load": load, "requests": 100, "ok": 100, "error_rate": 0.0,
            "errors": {}, "elapsed_s": 10.0, "req_per_s": rps, "output_tokens_per_s": None,
            "latency_ms": {"p50": p99 / 2, "p90": p99, "p95": p99, "p99": p99, "max": p99},
            "ttft_ms": {"p50": None, "p99": None}, "tpot_ms": {"p50": None},
            "itl_ms": {"p99": None}, "send_lag_ms": {},
        }
        for load, rps, p99 in ((1, 10.0, 100.0), (2, 18.0, 110.0), (4, 20.0, 400.0))
    ]  # fmt: skip
    price = {
        "usd_per_hour": "1.4084", "basis": "list", "source": "FMBench pricing_fallback.yml",
        "date": "2025-01-26",
    }  # fmt: skip
    costs = [
        {"instance_type": "ml.g5.xlarge", "load": 2, "req_per_s": "18.000", "instances": 1,
         "usd_per_1000": "0.021735", "usd_per_1m_tokens": None, "price": price},
    ]  # fmt: skip
    return {
        "generated_at": "2026-12-07T03:00:00+00:00", "target": target, "backend": "openai",
        "mode": "closed", "settings": {"duration_s": 10.0, "payloads": 1},
        "levels": lv, "costs": costs, "cost_formula": report.FORMULA,
        "warnings": ["price <substituted>"],
    }  # fmt: skip


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)


def test_html_report_is_self_contained_with_tables_charts_and_the_knee():
    """1 -> 2 clients: +80 % req/s for +100 % load follows; 2 -> 4: +11 % does not, so the
    knee is 2 clients (18 req/s, p99 110 ms), named in the text and marked on the chart."""
    page = report.to_html(_run())
    parser = _Tags()
    parser.feed(page)
    assert "script" not in parser.tags and not re.search(r"(src|href)=\"https?:", page)
    assert parser.tags.count("svg") == 2 and parser.tags.count("table") == 2
    assert "knee: 2 clients (18.0 req/s, p99 110.0 ms)" in page
    assert "knee 2" in page  # the marker's label on the latency chart
    assert "$0.0217" in page and "2025-01-26" in page
    # AWS names, URLs and warnings are text, never markup
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert "&lt;substituted&gt;" in page


def test_markdown_names_the_knee_too():
    assert "knee: 2 clients" in report.to_markdown(_run())
