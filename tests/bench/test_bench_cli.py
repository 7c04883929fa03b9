"""`mlcost bench` end to end against a local OpenAI-compatible server (tests/bench/fake_openai.py).

The acceptance test is a measurement: the server serves a configured latency distribution and
the bench must report its percentiles within 2 %. The other tests are about counts and input
handling, never about timing.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from fake_openai import Config, ProcessServer, Server

from mlcost.bench import store
from mlcost.journal import journal


def within(measured_ms: float, configured_s: float, tolerance: float = 0.02) -> bool:
    return abs(measured_ms - configured_s * 1000) <= tolerance * configured_s * 1000


def test_open_loop_percentiles_match_the_configured_distribution(cli, payload_file, tmp_path):
    """200 requests at 40/s, constant arrivals: TTFT uniform on [200, 600] ms, then 7 more
    tokens 25 ms apart, so latency pX = 200 + 400 x X/100 + 175 ms (p50 575, p90 735,
    p95 755, p99 771) and TTFT pX = 200 + 4 X ms; the time per output token is 25 ms."""
    cfg = Config()
    out = tmp_path / "run.json"
    with ProcessServer(cfg) as srv:
        result = cli(
            "bench", "--url", f"{srv.url}/v1/completions", "--payloads", str(payload_file),
            "--rate", "40", "--arrivals", "constant", "--duration", "5",
            "--instance-type", "ml.g5.xlarge", "-f", "json", "-o", str(out),
        )  # fmt: skip
    assert result.code == 0, result.err
    data = json.loads(out.read_text())
    (level,) = data["levels"]
    assert (level["requests"], level["ok"], level["errors"]) == (200, 200, {})
    for pct in (50, 90, 95, 99):
        assert within(level["latency_ms"][f"p{pct}"], cfg.latency_pct(pct)), (pct, level)
        ttft = cfg.ttft_low_s + (cfg.ttft_high_s - cfg.ttft_low_s) * pct / 100
        assert within(level["ttft_ms"][f"p{pct}"], ttft), (pct, level["ttft_ms"])
    assert within(level["tpot_ms"]["p50"], cfg.itl_s)
    assert within(level["itl_ms"]["p50"], cfg.itl_s)
    # tokens are the server's usage figure: 8 a request
    assert level["output_tokens_per_s"] == pytest.approx(8 * level["req_per_s"], rel=1e-6)
    # the run is in the journal, with its cost rows
    with journal(cli.db) as j:
        (stored,) = store.runs(j)
    assert stored["run_id"] == data["run_id"]
    assert stored["levels"][0]["requests"] == 200
    assert stored["costs"][0]["instance_type"] == "ml.g5.xlarge"


def test_errors_are_counted_by_kind_and_left_out_of_latency(cli, payload_file):
    """Every second request after the preflight gets a 503: 20 sent at 20/s, 10 fail."""
    with Server(Config(fail_every=2, ttft_low_s=0.01, ttft_high_s=0.02, itl_s=0.001)) as srv:
        result = cli(
            "bench", "--url", f"{srv.url}/v1/completions", "--payloads", str(payload_file),
            "--rate", "20", "--arrivals", "constant", "--duration", "1", "-f", "json",
        )  # fmt: skip
    assert result.code == 0, result.err
    (level,) = json.loads(result.out)["levels"]
    assert level["requests"] == 20
    assert level["errors"] == {"http_503": 10}
    assert level["error_rate"] == 0.5
    assert level["ok"] == 10


def test_closed_loop_plain_http_levels(cli, tmp_path):
    """--backend http against a JSON echo: one level per concurrency, no token figures."""
    bodies = tmp_path / "bodies.json"
    bodies.write_text('[{"x": 1}, {"x": 2}]')
    with Server(Config()) as srv:
        result = cli(
            "bench", "--url", f"{srv.url}/echo", "--payloads", str(bodies), "--backend", "http",
            "--concurrency", "1,4", "--duration", "0.3", "-f", "markdown",
            "--instance-type", "g5.xlarge",
        )  # fmt: skip
    assert result.code == 0, result.err
    md = result.out
    assert "| 1 clients |" in md and "| 4 clients |" in md
    assert "<svg" in md  # latency against load, two levels
    # the EC2 on-demand price of g5.xlarge with its source and date
    assert "$1.006 x 1" in md and "2025-11-30" in md


def test_html_report_written_to_a_file(cli, tmp_path):
    """-f html -o FILE: one page with the levels, the knee line and the charts."""
    bodies = tmp_path / "bodies.json"
    bodies.write_text('[{"x": 1}]')
    out = tmp_path / "run.html"
    with Server(Config()) as srv:
        result = cli(
            "bench", "--url", f"{srv.url}/echo", "--payloads", str(bodies), "--backend", "http",
            "--concurrency", "1,2", "--duration", "0.3", "-f", "html", "-o", str(out),
            "--instance-type", "g5.xlarge",
        )  # fmt: skip
    assert result.code == 0, result.err
    page = out.read_text()
    assert page.startswith("<!doctype html>") and "1 clients" in page and "2 clients" in page
    assert "knee: " in page and page.count("<svg") == 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://example.com/v1/completions", ("--url", "http")),
        ("localhost:8000", ("--url", "http")),
        ("http://127.0.0.1:99999/v1", ("--url", "not a valid URL")),
    ],
)
def test_malformed_urls_are_one_line(cli, payload_file, url, words):
    result = cli("bench", "--url", url, "--payloads", str(payload_file), "--duration", "1")
    assert result.code == 2
    result.one_error_line(*words)


def test_unreachable_url_is_one_line(cli, payload_file):
    url = f"http://127.0.0.1:{_free_port()}/v1/completions"
    result = cli("bench", "--url", url, "--payloads", str(payload_file), "--duration", "1")
    assert result.code == 2
    result.one_error_line("cannot connect", "127.0.0.1")


def test_wrong_path_and_wrong_protocol_are_one_line(cli, payload_file):
    with Server(Config()) as srv:
        missing = cli(
            "bench", "--url", f"{srv.url}/v1/nothing", "--payloads", str(payload_file),
            "--duration", "1",
        )  # fmt: skip
        not_openai = cli(
            "bench", "--url", f"{srv.url}/echo", "--payloads", str(payload_file),
            "--duration", "1",
        )  # fmt: skip
    assert missing.code == 2
    missing.one_error_line("HTTP 404")
    assert not_openai.code == 2
    not_openai.one_error_line("OpenAI-compatible", "--backend http")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, ("does not exist",)),
        ("", ("is empty",)),
        ('{"prompt": "a"}\n{"prompt": \n', ("line 2", "not valid JSON")),
        ('{"prompt": "a"}\n["a list"]\n', ("line 2", "JSON object")),
        ("[]", ("empty list",)),
        ("[1, 2]", ("item 1", "JSON object")),
    ],
)
def test_bad_payload_files_are_one_line(cli, tmp_path: Path, content, words):
    path = tmp_path / "p.jsonl"
    if content is not None:
        path.write_text(content)
    result = cli("bench", "--url", "http://127.0.0.1:1/v1/completions", "--payloads", str(path))
    assert result.code == 2
    result.one_error_line(*words)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--rate", "10", "--concurrency", "2"), ("cannot be used together",)),
        (("--rate", "0"), ("--rate", "> 0")),
        (("--rate", "ten"), ("--rate", "not a number")),
        (("--concurrency", "1.5"), ("--concurrency", "whole number")),
        (("--duration", "nan"), ("--duration",)),
        (("--backend", "grpc"), ("--backend", "openai, http")),
        (("--arrivals", "bursty"), ("--arrivals", "poisson")),
        (("--region", "mars-1"), ("mars-1", "price catalogue")),
    ],
)
def test_bad_options_are_one_line_before_any_request(cli, payload_file, args, words):
    """The URL has no server: each refusal comes before the preflight request."""
    result = cli(
        "bench", "--url", "http://127.0.0.1:1/v1/completions", "--payloads", str(payload_file),
        *args,
    )  # fmt: skip
    assert result.code == 2
    result.one_error_line(*words)


def test_an_unusable_journal_is_refused_before_any_request(payload_file, tmp_path, capsys):
    """--db in a folder that does not exist: one line, and no request is sent (the URL has
    no server; a preflight would have failed with 'cannot connect' instead)."""
    from mlcost.cli import main

    missing = tmp_path / "no" / "such" / "journal.db"
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "bench", "--url", "http://127.0.0.1:1/v1/completions",
                "--payloads", str(payload_file), "--db", f"sqlite:///{missing}",
            ]
        )  # fmt: skip
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
    assert "does not exist" in err and "cannot connect" not in err
