"""Trace files as the planner and the bench read them: the shapes the AWS CLI prints, the
Azure LLM inference trace, plain CSV — and one clear error for each kind of bad file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlcost.bench.arrivals import from_trace, native_rate
from mlcost.errors import UserError
from mlcost.plan.traces import TraceFormat, parse_time, read_trace


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_get_metric_data_output_two_variants_at_five_minutes(tmp_path):
    """What `aws cloudwatch get-metric-data` prints (newest first, as its default
    TimestampDescending): two variants' 5-minute Sums are added per clock hour:
    hour 10 = 3 + 4 (both at 10:00) + 2 (10:05) = 9, hour 11 = 5 (11:05)."""
    doc = {
        "MetricDataResults": [
            {
                "Id": "a",
                "Label": "Invocations",
                "Timestamps": ["2024-05-01T11:05:00+00:00", "2024-05-01T10:00:00+00:00"],
                "Values": [5.0, 3.0],
                "StatusCode": "Complete",
            },
            {
                "Id": "b",
                "Label": "Invocations",
                "Timestamps": ["2024-05-01T10:05:00+00:00", "2024-05-01T10:00:00+00:00"],
                "Values": [2.0, 4.0],
                "StatusCode": "Complete",
            },
        ],
        "Messages": [],
    }
    trace = read_trace(write(tmp_path, "inv.json", json.dumps(doc)))
    assert trace.format is TraceFormat.cloudwatch and not trace.per_request
    t = trace.hourly()
    assert t.start == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert t.hourly == (9.0, 5.0) and t.total == 14.0
    assert trace.period_s == 300.0


def test_get_metric_statistics_output_reads_the_sum(tmp_path):
    """`get-metric-statistics --statistics Sum --period 3600` prints unsorted Datapoints."""
    doc = {
        "Label": "Invocations",
        "Datapoints": [
            {"Timestamp": "2024-05-01T02:00:00Z", "Sum": 30.0, "Unit": "None"},
            {"Timestamp": "2024-05-01T00:00:00Z", "Sum": 10.0, "Unit": "None"},
        ],
    }
    t = read_trace(write(tmp_path, "stats.json", json.dumps(doc))).hourly()
    assert t.hourly == (10.0, 0.0, 30.0)  # the hour without a datapoint is 0


def test_azure_llm_trace_with_seven_fraction_digits(tmp_path):
    """Azure's trace rows are one request each, timestamps with 7 fraction digits."""
    text = (
        "TIMESTAMP,ContextTokens,GeneratedTokens\n"
        "2023-11-16 18:15:46.6805900,374,44\n"
        "2023-11-16 18:15:50.9951690,396,109\n"
        "2023-11-16 19:01:00.0000000,10,1\n"
    )
    trace = read_trace(write(tmp_path, "AzureLLMInferenceTrace_conv.csv", text))
    assert trace.format is TraceFormat.azure and trace.per_request
    assert trace.tokens == {"context_tokens": 780, "generated_tokens": 154}
    assert trace.hourly().hourly == (2.0, 1.0)
    offsets = trace.arrival_offsets()
    assert offsets[0] == 0.0
    assert offsets[1] == pytest.approx(4.314579)  # 50.995169 - 46.68059
    assert offsets[2] == pytest.approx(2713.31941)  # 19:01:00 - 18:15:46.68059 = 45 min 13.31941 s


def test_plain_csv_counts_and_epoch_seconds(tmp_path):
    """`timestamp,count` with a header; Unix seconds work too. Counted minutes replay as
    their requests spread evenly across the minute."""
    text = "timestamp,count\n1714521600,2\n1714521660,4\n"  # 2024-05-01 00:00 and 00:01 UTC
    trace = read_trace(write(tmp_path, "t.csv", text))
    assert trace.hourly().hourly == (6.0,)
    assert trace.arrival_offsets() == [0.0, 30.0, 60.0, 75.0, 90.0, 105.0]


def test_plain_csv_one_request_a_row(tmp_path):
    text = "2024-05-01T00:10:00Z\n2024-05-01T00:20:00Z\n2024-05-01T02:00:00Z\n"
    trace = read_trace(write(tmp_path, "r.csv", text))
    assert trace.per_request and trace.hourly().hourly == (2.0, 0.0, 1.0)


@pytest.mark.parametrize(
    ("name", "text", "fmt", "words"),
    [
        ("e.csv", "", None, ["empty"]),
        ("h.csv", "timestamp,count\n", None, ["no requests"]),
        ("bad.csv", "timestamp,count\nyesterday,3\n", None, ["line 2", "not a timestamp"]),
        ("neg.csv", "2024-05-01T00:00:00Z,-1\n", None, ["line 1", "not a request count"]),
        ("az.csv", "TIMESTAMP,ContextTokens\n2023-11-16 18:15:46,1\n", None, ["GeneratedTokens"]),
        ("cols.csv", "time,requests\n", None, ["no timestamp column"]),
        ("x.json", '{"Label": "Invocations"}', None, ["not a CloudWatch metric series"]),
        ("y.json", "{not json", None, ["not JSON"]),
        (
            "avg.json",
            '{"Datapoints": [{"Timestamp": "2024-05-01T00:00:00Z", "Average": 1}]}',
            None,
            ["no Sum"],
        ),
        ("t.csv", "2024-05-01T00:00:00Z\n", "parquet", ["--trace-format", "parquet"]),
        ("z.csv", "2024-05-01T00:00:00Z,0\n", None, ["every count is 0"]),
        # two finite counts whose sum is inf (1e308 + 1e308): it crashed in the replay
        (
            "inf.csv",
            "2024-05-01T00:00:00Z,1e308\n2024-05-01T00:01:00Z,1e308\n",
            None,
            ["counts sum", "too large"],
        ),  # fmt: skip
    ],
)
def test_bad_traces_are_one_user_error(tmp_path, name, text, fmt, words):
    with pytest.raises(UserError) as err:
        read_trace(write(tmp_path, name, text), fmt)
    for word in words:
        assert word.lower() in str(err.value).lower(), str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        read_trace(tmp_path / "nope.csv")


@settings(max_examples=60, deadline=None)
@given(
    seconds=st.lists(st.integers(0, 3 * 86_400), min_size=2, max_size=200),
    rate=st.floats(min_value=0.1, max_value=500),
)
def test_any_per_request_csv_keeps_every_request(tmp_path_factory, seconds, rate):
    """Whatever the instants: the hourly series holds every request once, the replay's
    offsets start at 0 in order, and scaled to `rate` their mean rate is `rate`."""
    path = tmp_path_factory.mktemp("t") / "r.csv"
    path.write_text("".join(f"{1_714_521_600 + s}\n" for s in seconds))
    trace = read_trace(path)
    assert trace.hourly().total == len(seconds)
    offsets = trace.arrival_offsets()
    assert offsets[0] == 0 and offsets == sorted(offsets)
    if offsets[-1] > 0:
        scaled = from_trace(offsets, rate, float("inf"))
        assert native_rate(scaled) == pytest.approx(rate, rel=1e-9)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-11-16 18:15:46.6805900", datetime(2023, 11, 16, 18, 15, 46, 680590, tzinfo=UTC)),
        ("2024-05-01T05:30:00.25+05:30", datetime(2024, 5, 1, 0, 0, 0, 250000, tzinfo=UTC)),
        ("2024-05-01T00:00:00.1234567Z", datetime(2024, 5, 1, 0, 0, 0, 123456, tzinfo=UTC)),
        ("1714521600.5", datetime(2024, 5, 1, 0, 0, 0, 500000, tzinfo=UTC)),
    ],
)
def test_timestamps(text, expected):
    """Fractions of any length before a zone; an offset is converted to UTC."""
    assert parse_time(text) == expected
