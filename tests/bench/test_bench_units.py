"""The bench's pure parts: percentiles, summaries, schedules, payload files, costs, report,
store. No timing here: every sample's times are given."""

from __future__ import annotations

import statistics
from decimal import Decimal
from pathlib import Path

import pytest

from mlcost.bench import report, store
from mlcost.bench.arrivals import Arrivals, offsets
from mlcost.bench.backends import chunk_text, usage_tokens
from mlcost.bench.costs import level_costs, usage_for
from mlcost.bench.metrics import LevelSummary, Sample, percentile, summarise
from mlcost.bench.payloads import load_payloads
from mlcost.errors import UserError
from mlcost.journal import journal
from mlcost.model import Usage

# ---------------------------------------------------------------- percentiles and summaries


def test_percentile_interpolates_like_numpy():
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5  # rank 1.5 between 2 and 3
    assert percentile([10.0, 20.0, 30.0, 40.0, 50.0], 90) == pytest.approx(46.0)  # rank 3.6
    assert percentile([float(v) for v in range(1, 102)], 99) == pytest.approx(100.0)
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) is None


def _sample(intended, started, ended, first=None, tokens=None, gaps=(), error=None):
    return Sample(intended, started, ended, first, tokens, list(gaps), error)


def test_latency_counts_from_the_intended_send_time_not_the_actual_one():
    """A request scheduled at t=0 that the generator only sent at t=0.5 and that was answered
    at t=1.0 waited 1,000 ms from the user's point of view, not 500."""
    level = summarise("open", 1.0, [_sample(0.0, 0.5, 1.0)], elapsed_s=1.0)
    assert level.latency_ms["p50"] == 1000.0
    assert level.send_lag_ms["max"] == 500.0


def test_summary_of_streams_and_errors():
    samples = [
        # TTFT 100 ms from intended; 5 tokens ending 0.1 + 4 x 0.02 = 0.18 s after intended
        _sample(0.0, 0.0, 0.18, first=0.1, tokens=5, gaps=(0.02,) * 4),
        # TTFT 300 ms; 3 tokens, 0.1 s after the first -> TPOT 50 ms
        _sample(1.0, 1.0, 1.4, first=1.3, tokens=3, gaps=(0.05, 0.05)),
        _sample(2.0, 2.0, 2.01, error="http_503"),
        _sample(3.0, 3.0, 3.5, error="timeout"),
    ]
    level = summarise("open", 2.0, samples, elapsed_s=4.0)
    assert (level.requests, level.ok) == (4, 2)
    assert level.errors == {"http_503": 1, "timeout": 1}
    assert level.error_rate == 0.5
    assert level.req_per_s == 0.5  # 2 successes over 4 s
    assert level.output_tokens_per_s == 2.0  # (5 + 3) tokens over 4 s
    # latency over successes only: 180 ms and 400 ms
    assert level.latency_ms["max"] == 400.0
    assert level.latency_ms["p50"] == pytest.approx(290.0)
    assert level.ttft_ms["p50"] == pytest.approx(200.0)  # between 100 and 300
    assert level.tpot_ms["p50"] == pytest.approx(35.0)  # between 20 and 50
    assert level.itl_ms["max"] == pytest.approx(50.0)
    again = LevelSummary.from_dict(level.as_dict())
    assert again.errors == level.errors and again.latency_ms == level.latency_ms


def test_a_level_with_no_success_has_no_percentiles():
    level = summarise("closed", 1, [_sample(0.0, 0.0, 0.1, error="connection")], elapsed_s=0.1)
    assert level.req_per_s == 0.0
    assert level.latency_ms["p99"] is None and level.output_tokens_per_s is None


# ---------------------------------------------------------------- arrivals


def test_constant_arrivals_are_evenly_spaced_within_the_duration():
    assert offsets(Arrivals.constant, 4, 1.0) == [0.0, 0.25, 0.5, 0.75]
    assert len(offsets(Arrivals.constant, 40, 5)) == 200
    assert len(offsets(Arrivals.constant, 3, 1.5)) == 5  # 0, 1/3, 2/3, 1, 4/3


def test_poisson_arrivals_are_seeded_and_have_the_asked_mean_rate():
    times = offsets(Arrivals.poisson, 1000, 100, seed=3)
    assert times == offsets(Arrivals.poisson, 1000, 100, seed=3)
    assert times != offsets(Arrivals.poisson, 1000, 100, seed=4)
    assert all(0 < t < 100 for t in times) and times == sorted(times)
    # ~100,000 arrivals: the count's standard deviation is sqrt(1e5) = 316, so 2 % is 6 sigma
    assert len(times) == pytest.approx(100_000, rel=0.02)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # exponential gaps: the standard deviation equals the mean
    assert statistics.stdev(gaps) == pytest.approx(statistics.fmean(gaps), rel=0.03)


# ---------------------------------------------------------------- payload files


def test_payloads_from_json_lines_and_from_an_array(tmp_path: Path):
    lines = tmp_path / "p.jsonl"
    lines.write_text('{"prompt": "a"}\n\n{"prompt": "b", "max_tokens": 4}\n')
    assert load_payloads(lines) == [{"prompt": "a"}, {"prompt": "b", "max_tokens": 4}]
    array = tmp_path / "p.json"
    array.write_text('[{"inputs": "x"}]')
    assert load_payloads(array) == [{"inputs": "x"}]


def test_a_folder_or_binary_file_is_refused(tmp_path: Path):
    with pytest.raises(UserError, match="is a folder"):
        load_payloads(tmp_path)
    binary = tmp_path / "p.bin"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(UserError, match="not UTF-8"):
        load_payloads(binary)


# ---------------------------------------------------------------- SSE chunks


def test_chunk_text_reads_completions_and_chat_chunks():
    assert chunk_text({"choices": [{"text": "Hi"}]}) == "Hi"
    assert chunk_text({"choices": [{"delta": {"content": "Hi"}}]}) == "Hi"
    assert chunk_text({"choices": [{"delta": {"role": "assistant"}}]}) == ""  # role only
    assert chunk_text({"choices": [], "usage": {"completion_tokens": 9}}) == ""
    assert usage_tokens({"choices": [], "usage": {"completion_tokens": 9}}) == 9
    assert usage_tokens({"choices": []}) is None


# ---------------------------------------------------------------- costs


def _level(rps: float, tps: float | None, load: float = 4) -> LevelSummary:
    empty = {"p50": None, "p90": None, "p95": None, "p99": None, "max": None, "mean": None}
    latency = {**empty, "p50": 100.0 * load, "p99": 150.0 * load}
    return LevelSummary(
        "closed", load, 100, 100, {}, 10.0, rps, tps, latency, empty, empty, empty, empty
    )


def test_cost_per_1000_and_per_million_tokens_hand_computed():
    """ml.g5.xlarge hosting in us-east-1 is $1.4084/h (FMBench's price file, 2025-01-26).
    At 10 req/s on 2 instances: 1.4084 x 2 / 3600 / 10 x 1000 = $0.078244 per 1,000;
    at 250 output tokens/s: 1.4084 x 2 / 3600 / 250 x 1e6 = $3.129778 per 1M tokens."""
    (row,), warnings = level_costs([_level(10.0, 250.0)], ["ml.g5.xlarge"], 2, "us-east-1")
    assert warnings == []
    assert row.price["usd_per_hour"] == "1.4084"
    assert row.price["date"] == "2025-01-26" and "FMBench" in row.price["source"]
    assert row.usd_per_1000 == Decimal("0.078244")
    assert row.usd_per_1m_tokens == Decimal("3.129778")


def test_a_bare_type_is_priced_as_ec2_on_demand():
    """g5.xlarge EC2 on-demand in us-east-1 is $1.006/h (2025-11-30): at 4 req/s,
    1.006 / 3600 / 4 x 1000 = $0.069861 per 1,000 (0.0698611 rounded)."""
    assert usage_for("g5.xlarge") is Usage.EC2 and usage_for("ml.g5.xlarge") is Usage.HOSTING
    (row,), _ = level_costs([_level(4.0, None)], ["g5.xlarge"], 1, "us-east-1")
    assert row.price["usage"] == "ec2" and row.price["date"] == "2025-11-30"
    assert row.usd_per_1000 == Decimal("0.069861")
    assert row.usd_per_1m_tokens is None  # plain HTTP: no tokens, no per-token cost


def test_unpriced_types_and_failed_levels_give_no_figure_never_zero():
    rows, warnings = level_costs(
        [_level(10.0, None), _level(0.0, None, load=8)],
        ["ml.nope.xlarge", "ml.g5.xlarge"],
        1,
        "us-east-1",
    )
    unpriced = [r for r in rows if r.instance_type == "ml.nope.xlarge"]
    assert [r.usd_per_1000 for r in unpriced] == [None, None]
    assert all(r.price is None for r in unpriced)
    failed = [r for r in rows if r.instance_type == "ml.g5.xlarge" and r.load == 8]
    assert failed[0].usd_per_1000 is None
    assert any("ml.nope.xlarge" in w and "not priced" in w for w in warnings)
    assert any("load 8" in w and "no successful request" in w for w in warnings)


# ---------------------------------------------------------------- report and store


def _result() -> dict:
    levels = [_level(10.0, 250.0, load=1), _level(18.0, 400.0, load=2)]
    costs, warnings = level_costs(levels, ["ml.g5.xlarge", "ml.nope.xlarge"], 1, "us-east-1")
    return report.result(
        target="http://127.0.0.1:8000/v1/completions",
        backend="openai",
        mode="closed",
        settings={"duration_s": 10.0, "payloads": 2},
        levels=levels,
        costs=costs,
        warnings=warnings,
    )


def test_markdown_shows_each_cost_with_its_price_source_and_date():
    md = report.to_markdown(_result())
    # 1.4084 / 3600 / 18 x 1000 = 0.021735 -> "$0.0217"
    assert "| ml.g5.xlarge | 2 clients | 18.000 | $0.0217 |" in md
    assert "$1.4084 x 1" in md and "2025-01-26" in md
    assert "| ml.nope.xlarge | 1 clients | 10.000 | unpriced | unpriced |" in md
    assert "<svg" in md and "## Warnings" in md
    assert "intended send time" in md


def test_table_text_lists_levels_and_costs():
    text = report.table_text(_result())
    assert "2 clients" in text and "$0.0217" in text and "not priced" in text


def test_runs_are_stored_and_read_back(tmp_path: Path):
    data = _result()
    with journal(f"sqlite:///{tmp_path / 'j.db'}") as j:
        run_id = store.record_run(j, data)
        (row,) = store.runs(j)
    assert row["run_id"] == run_id and row["mode"] == "closed"
    assert row["levels"] == data["levels"]
    assert row["costs"][0]["usd_per_1000"] == "0.039122"  # 1.4084 / 3600 / 10 x 1000
