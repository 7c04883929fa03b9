"""Traffic traces read from files: a CloudWatch Invocations series, the Azure LLM inference
trace, or a plain CSV — into one shape the planner and the bench replay both read.

Why one reader for both: ``mlcost plan inference --trace`` prices a trace's hourly shape and
``mlcost bench --arrivals trace`` replays its inter-arrival times; reading the same file two
ways would let the two disagree about what the trace holds.

Formats (``--trace-format``, else guessed from the file):

* ``cloudwatch``: the JSON ``aws cloudwatch get-metric-data`` prints (``MetricDataResults``
  with ``Timestamps`` and ``Values``; several results are summed, e.g. one per variant) or
  ``get-metric-statistics`` prints (``Datapoints`` with ``Timestamp`` and ``Sum``). Each value
  is a request count for its period.
* ``azure``: Azure's public LLM inference trace CSV (``TIMESTAMP,ContextTokens,GeneratedTokens``),
  one request a row; timestamps without a zone are taken as UTC.
* ``csv``: ``timestamp[,count]`` — one request a row, or a count per row; an optional header
  row; timestamps in ISO 8601 or Unix epoch seconds.

Bad input (missing file or columns, an unparsable timestamp or count, no rows) is a
``UserError`` naming the file and line.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from mlcost.errors import UserError
from mlcost.inference_options import Traffic

HOUR = timedelta(hours=1)
_DIGITS = re.compile(r"\d+")
#: A trace longer than this many hours is refused: a year of hours is 8,760; the planner
#: replays hour by hour and prices per month, so more is a wrong file, not a longer look.
MAX_HOURS = 24 * 366 * 2


class TraceFormat(StrEnum):
    cloudwatch = "cloudwatch"
    azure = "azure"
    csv = "csv"


@dataclass(frozen=True, slots=True)
class Trace:
    """Request counts at instants, oldest first.

    ``per_request``: each point is one request at its own instant (Azure, a one-column CSV);
    otherwise each point is a count for the period that starts at its instant (CloudWatch,
    a counted CSV) and ``period_s`` is that period."""

    source: str
    format: TraceFormat
    times: tuple[datetime, ...]
    counts: tuple[float, ...]
    per_request: bool
    period_s: float | None = None
    tokens: dict[str, int] | None = None  # Azure: context and generated tokens in total

    @property
    def total(self) -> float:
        return sum(self.counts)

    def hourly(self) -> Traffic:
        """Requests per clock hour from the first point's hour to the last one's (a counted
        point is put in the hour it starts in: CloudWatch periods of an hour or less are
        aligned to the clock)."""
        first = self.times[0].replace(minute=0, second=0, microsecond=0)
        last = self.times[-1]
        n = int((last - first) / HOUR) + 1
        hourly = [0.0] * n
        for t, c in zip(self.times, self.counts, strict=True):
            hourly[int((t - first) / HOUR)] += c
        return Traffic(first, tuple(hourly))

    def arrival_offsets(self) -> list[float]:
        """Send times in seconds from the first request: a per-request trace's own instants;
        a counted trace's requests spread evenly across each point's period."""
        origin = self.times[0]
        if self.per_request:
            return [(t - origin).total_seconds() for t in self.times]
        period = self.period_s or 60.0
        out: list[float] = []
        for t, c in zip(self.times, self.counts, strict=True):
            n = int(round(c))
            base = (t - origin).total_seconds()
            out.extend(base + period * i / n for i in range(n))
        return out


def read_trace(path: Path, fmt: TraceFormat | str | None = None) -> Trace:
    """Read ``path`` in ``fmt`` (guessed when None: ``.json`` is CloudWatch, a CSV whose header
    names ``ContextTokens`` is Azure's, any other CSV plain)."""
    text = _text(path)
    kind = _format(path, text, fmt)
    if kind is TraceFormat.cloudwatch:
        trace = _cloudwatch(path, text)
    elif kind is TraceFormat.azure:
        trace = _azure(path, text)
    else:
        trace = _plain_csv(path, text)
    if not trace.times:
        raise UserError(f"trace {path}: no requests in it", "check the file is the whole trace")
    span = (trace.times[-1] - trace.times[0]) / HOUR
    if span > MAX_HOURS:
        raise UserError(
            f"trace {path} spans {span:,.0f} hours, more than {MAX_HOURS:,}",
            "pass a trace of at most two years (the planner prices per month)",
        )
    if not math.isfinite(trace.total):
        raise UserError(
            f"trace {path}: its counts sum to a number too large to hold",
            "each count is the requests in its period: check the column",
        )
    if trace.total <= 0:
        raise UserError(f"trace {path}: every count is 0", "an idle endpoint needs no plan")
    return trace


def _text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"trace file {path} does not exist", "check the path") from None
    except IsADirectoryError:
        raise UserError(f"trace {path} is a folder, not a file", None) from None
    except OSError as err:
        raise UserError(f"cannot read trace {path}: {err.strerror}", None) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"trace {path} is not UTF-8 text", "pass a JSON or CSV file") from None
    if not text.strip():
        raise UserError(f"trace {path} is empty", "pass a JSON or CSV trace with requests")
    return text


def _format(path: Path, text: str, fmt: TraceFormat | str | None) -> TraceFormat:
    allowed = ", ".join(f.value for f in TraceFormat)
    if fmt is not None:
        try:
            return TraceFormat(fmt)
        except ValueError:
            raise UserError(
                f"--trace-format {fmt!r} is not one of {allowed}", "or leave it out to guess"
            ) from None
    head = text.lstrip()[:1]
    if path.suffix.lower() == ".json" or head in "{[":
        return TraceFormat.cloudwatch
    if path.suffix.lower() in (".csv", ".txt", "") or "," in text.splitlines()[0]:
        first = text.splitlines()[0].lower()
        return TraceFormat.azure if "contexttokens" in first else TraceFormat.csv
    raise UserError(f"cannot tell the format of trace {path}", f"pass --trace-format ({allowed})")


def parse_time(value: str) -> datetime:
    """ISO 8601 (any fraction digits, ``Z`` or an offset; no zone is UTC) or Unix seconds;
    raises ``ValueError``."""
    s = value.strip()
    try:
        epoch = float(s)
    except ValueError:
        pass
    else:
        if not math.isfinite(epoch):
            raise ValueError(value)
        return datetime.fromtimestamp(epoch, UTC)
    if "." in s:  # Azure writes 7 fraction digits: keep 6 (microseconds), then the zone
        head, _, frac = s.partition(".")
        digits = _DIGITS.match(frac)
        n = digits.end() if digits else 0
        s = f"{head}.{frac[:n][:6].ljust(6, '0')}{frac[n:]}"
    t = datetime.fromisoformat(s.replace("Z", "+00:00"))
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _time(path: Path, where: str, value: Any) -> datetime:
    try:
        return parse_time(str(value))
    except (ValueError, OverflowError, OSError):
        raise UserError(
            f"trace {path} {where}: {str(value)[:40]!r} is not a timestamp",
            "use ISO 8601 (2024-05-01T13:00:00Z) or Unix epoch seconds",
        ) from None


def _count(path: Path, where: str, value: Any) -> float:
    try:
        c = float(value)
    except (TypeError, ValueError):
        c = math.nan
    if not math.isfinite(c) or c < 0:
        raise UserError(
            f"trace {path} {where}: {str(value)[:40]!r} is not a request count",
            "counts are numbers >= 0",
        )
    return c


def _sorted(
    path: Path, fmt: TraceFormat, points: list[tuple[datetime, float]], per_request: bool, **kw: Any
) -> Trace:
    points.sort(key=lambda p: p[0])
    merged: dict[datetime, float] = {}
    if per_request:
        times = tuple(t for t, _ in points)
        counts = tuple(c for _, c in points)
    else:
        for t, c in points:  # CloudWatch results of several variants share timestamps
            merged[t] = merged.get(t, 0.0) + c
        times, counts = tuple(merged), tuple(merged.values())
    period = kw.pop("period_s", None)
    if period is None and not per_request and len(times) > 1:
        gaps = sorted((b - a).total_seconds() for a, b in zip(times, times[1:], strict=False))
        period = gaps[0] if gaps and gaps[0] > 0 else None
    return Trace(str(path), fmt, times, counts, per_request, period, **kw)


def _cloudwatch(path: Path, text: str) -> Trace:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise UserError(
            f"trace {path} is not JSON: {err.msg} at line {err.lineno}",
            "pass what `aws cloudwatch get-metric-data` or `get-metric-statistics` prints",
        ) from None
    points: list[tuple[datetime, float]] = []
    hint = "expected `MetricDataResults` (get-metric-data) or `Datapoints` (get-metric-statistics)"
    if isinstance(doc, dict) and isinstance(doc.get("MetricDataResults"), list):
        for n, result in enumerate(doc["MetricDataResults"]):
            if not isinstance(result, dict) or not isinstance(result.get("Timestamps"), list):
                raise UserError(f"trace {path}: MetricDataResults[{n}] has no Timestamps", hint)
            values = result.get("Values")
            if not isinstance(values, list) or len(values) != len(result["Timestamps"]):
                raise UserError(
                    f"trace {path}: MetricDataResults[{n}] has no Values for its Timestamps", hint
                )
            for i, (t, v) in enumerate(zip(result["Timestamps"], values, strict=True)):
                where = f"MetricDataResults[{n}] point {i}"
                points.append((_time(path, where, t), _count(path, where, v)))
    elif isinstance(doc, dict) and isinstance(doc.get("Datapoints"), list):
        for i, dp in enumerate(doc["Datapoints"]):
            where = f"Datapoints[{i}]"
            if not isinstance(dp, dict) or "Timestamp" not in dp:
                raise UserError(f"trace {path}: {where} has no Timestamp", hint)
            if "Sum" not in dp:
                raise UserError(
                    f"trace {path}: {where} has no Sum",
                    "read Invocations with --statistics Sum (a request count)",
                )
            points.append((_time(path, where, dp["Timestamp"]), _count(path, where, dp["Sum"])))
    else:
        raise UserError(f"trace {path} is not a CloudWatch metric series", hint)
    return _sorted(path, TraceFormat.cloudwatch, points, per_request=False)


def _rows(path: Path, text: str) -> list[tuple[int, list[str]]]:
    return [
        (n, row)
        for n, row in enumerate(csv.reader(text.splitlines()), start=1)
        if row and any(cell.strip() for cell in row)
    ]


def _azure(path: Path, text: str) -> Trace:
    rows = _rows(path, text)
    header = [h.strip() for h in rows[0][1]] if rows else []
    need = ("TIMESTAMP", "ContextTokens", "GeneratedTokens")
    missing = [c for c in need if c not in header]
    if missing:
        raise UserError(
            f"trace {path} has no {', '.join(missing)} column",
            "the Azure LLM inference trace's header is TIMESTAMP,ContextTokens,GeneratedTokens",
        )
    ti, ci, gi = (header.index(c) for c in need)
    points: list[tuple[datetime, float]] = []
    context = generated = 0
    for n, row in rows[1:]:
        if len(row) < len(header):
            raise UserError(f"trace {path} line {n}: {len(row)} columns, {len(header)} expected")
        points.append((_time(path, f"line {n}", row[ti]), 1.0))
        context += int(_count(path, f"line {n}", row[ci]))
        generated += int(_count(path, f"line {n}", row[gi]))
    return _sorted(
        path,
        TraceFormat.azure,
        points,
        per_request=True,
        tokens={"context_tokens": context, "generated_tokens": generated},
    )


def _plain_csv(path: Path, text: str) -> Trace:
    rows = _rows(path, text)
    if rows:
        try:
            parse_time(rows[0][1][0])
        except (ValueError, OverflowError, OSError):
            header = [h.strip().lower() for h in rows[0][1]]
            if "timestamp" not in header:
                raise UserError(
                    f"trace {path} has no timestamp column",
                    "a plain CSV trace is timestamp[,count], with an optional header row",
                ) from None
            rows = rows[1:]
    counted = any(len(r) > 1 and r[1].strip() for _, r in rows)
    points: list[tuple[datetime, float]] = []
    for n, row in rows:
        t = _time(path, f"line {n}", row[0])
        c = _count(path, f"line {n}", row[1] if len(row) > 1 else "") if counted else 1.0
        points.append((t, c))
    return _sorted(path, TraceFormat.csv, points, per_request=not counted)
