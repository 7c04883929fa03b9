"""`mlcost bench --arrivals trace --trace FILE`: the open loop replays a recorded trace's
inter-arrival times (the trace readers of `plan inference`), scaled to `--rate` when given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_openai import Config, Server

from mlcost.bench.arrivals import from_trace, native_rate


def test_a_trace_scaled_to_a_rate_keeps_its_shape():
    """Gaps 1 s, 1 s, 4 s (3 gaps over 6 s: native 0.5 req/s). At --rate 2 every gap is
    divided by 2 / 0.5 = 4: 0, 0.25, 0.5, 1.5 s. A bursty trace stays bursty."""
    trace = [0.0, 1.0, 2.0, 6.0]
    assert native_rate(trace) == 0.5
    assert from_trace(trace, 2.0, 60) == [0.0, 0.25, 0.5, 1.5]
    assert from_trace(trace, None, 60) == trace  # as recorded
    assert from_trace(trace, None, 1.5) == [0.0, 1.0]  # only what falls within --duration


def test_bench_replays_a_trace(cli, payload_file, tmp_path: Path):
    """A per-request CSV of 20 requests one second apart (native 1 req/s) replayed at
    --rate 20: gaps of 50 ms, all 20 sent within the 2-second level."""
    trace = tmp_path / "trace.csv"
    trace.write_text("".join(f"2024-05-01T00:00:{s:02d}Z\n" for s in range(20)))
    cfg = Config(ttft_low_s=0.001, ttft_high_s=0.002, tokens=2, itl_s=0.001)
    with Server(cfg) as srv:
        r = cli(
            "bench", "--url", f"{srv.url}/v1/completions", "--payloads", str(payload_file),
            "--arrivals", "trace", "--trace", str(trace), "--rate", "20", "--duration", "2",
            "-f", "json",
        )  # fmt: skip
    assert r.code == 0, r.err
    data = json.loads(r.out)
    (level,) = data["levels"]
    assert (level["mode"], level["load"], level["requests"], level["ok"]) == ("open", 20, 20, 20)
    assert data["settings"]["trace"] == str(trace) and data["settings"]["arrivals"] == "trace"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--arrivals", "trace"], ["--trace FILE"]),
        (["--trace", "t.csv"], ["--arrivals trace"]),
        (["--arrivals", "trace", "--trace", "missing.csv"], ["does not exist"]),
        (["--arrivals", "trace", "--trace", "one.csv"], ["at least two requests"]),
        (["--arrivals", "trace", "--trace", "az.csv"], ["GeneratedTokens"]),
        (["--arrivals", "trace", "--trace", "one.csv", "--concurrency", "2"], ["--concurrency"]),
    ],
)
def test_bad_trace_arrivals_are_one_line(cli, payload_file, tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "one.csv").write_text("2024-05-01T00:00:00Z\n")
    (tmp_path / "az.csv").write_text("TIMESTAMP,ContextTokens\n2023-11-16 18:15:46,3\n")
    r = cli(
        "bench",
        "--url",
        "http://127.0.0.1:9/v1/completions",
        "--payloads",
        str(payload_file),
        *args,
    )
    assert r.code == 2
    r.one_error_line(*words)
