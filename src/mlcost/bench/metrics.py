"""What one request measured, and the per-load-level summary the report and costs read.

Why latency is counted from the *intended* send time: an open-loop generator that falls
behind (or a server that stalls it) would otherwise hide the wait in its own queue — the
"coordinated omission" that makes a saturated server look fast. ``Sample.intended`` is when
the schedule said the request should leave; every latency here is measured from it, and
``send_lag`` (actual minus intended start) shows how far the generator itself was late.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

#: The latency percentiles every summary reports (plus the maximum).
PERCENTILES = (50, 90, 95, 99)


@dataclass(slots=True)
class Sample:
    """One request, times in seconds on ``time.perf_counter()`` (monotonic)."""

    intended: float
    started: float
    ended: float = math.nan
    first_token: float | None = None  # first non-empty streamed chunk
    output_tokens: int | None = None  # from the server's usage, else chunks counted
    gaps: list[float] = field(default_factory=list)  # between successive streamed chunks
    error: str | None = None  # kind: http_503, timeout, connection, protocol, stream_error

    @property
    def latency(self) -> float:
        return self.ended - self.intended


def percentile(values: Sequence[float], pct: float) -> float | None:
    """The ``pct`` percentile by linear interpolation between closest ranks (NumPy's
    default, so figures match what a user computes from the raw data); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def distribution(values: Sequence[float]) -> dict[str, float | None]:
    """p50/p90/p95/p99/max (and mean) of ``values`` in milliseconds."""
    out: dict[str, float | None] = {f"p{p}": _ms(percentile(values, p)) for p in PERCENTILES}
    out["max"] = _ms(max(values)) if values else None
    out["mean"] = _ms(sum(values) / len(values)) if values else None
    return out


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


@dataclass(frozen=True, slots=True)
class LevelSummary:
    """One load level (a concurrency or an arrival rate) as the report shows it."""

    mode: str  # "closed" (fixed concurrency) or "open" (arrival rate)
    load: float  # concurrency, or requests per second offered
    requests: int
    ok: int
    errors: dict[str, int]
    elapsed_s: float
    req_per_s: float  # successful requests per second over the elapsed window
    output_tokens_per_s: float | None
    latency_ms: dict[str, float | None]
    ttft_ms: dict[str, float | None]
    tpot_ms: dict[str, float | None]  # time per output token after the first
    itl_ms: dict[str, float | None]  # inter-token latency, every gap of every stream
    send_lag_ms: dict[str, float | None]

    @property
    def error_rate(self) -> float:
        return (self.requests - self.ok) / self.requests if self.requests else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "load": self.load,
            "requests": self.requests,
            "ok": self.ok,
            "error_rate": round(self.error_rate, 6),
            "errors": dict(self.errors),
            "elapsed_s": round(self.elapsed_s, 6),
            "req_per_s": round(self.req_per_s, 6),
            "output_tokens_per_s": None
            if self.output_tokens_per_s is None
            else round(self.output_tokens_per_s, 6),
            "latency_ms": self.latency_ms,
            "ttft_ms": self.ttft_ms,
            "tpot_ms": self.tpot_ms,
            "itl_ms": self.itl_ms,
            "send_lag_ms": self.send_lag_ms,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LevelSummary:
        keys = {k: data[k] for k in cls.__slots__ if k in data}  # type: ignore[attr-defined]
        return cls(**keys)


def summarise(mode: str, load: float, samples: Sequence[Sample], elapsed_s: float) -> LevelSummary:
    """The summary of one level's samples over ``elapsed_s`` (first intended send to last
    answer). Latency, TTFT and TPOT percentiles are over successful requests only; errors are
    counted by kind."""
    ok = [s for s in samples if s.error is None]
    errors = Counter(s.error for s in samples if s.error is not None)
    tokens = [s.output_tokens for s in ok if s.output_tokens is not None]
    ttft = [s.first_token - s.intended for s in ok if s.first_token is not None]
    tpot = [
        (s.ended - s.first_token) / (s.output_tokens - 1)
        for s in ok
        if s.first_token is not None and s.output_tokens is not None and s.output_tokens > 1
    ]
    gaps = [g for s in ok for g in s.gaps]
    return LevelSummary(
        mode=mode,
        load=load,
        requests=len(samples),
        ok=len(ok),
        errors=dict(sorted(errors.items())),
        elapsed_s=elapsed_s,
        req_per_s=len(ok) / elapsed_s if elapsed_s > 0 else 0.0,
        output_tokens_per_s=sum(tokens) / elapsed_s if tokens and elapsed_s > 0 else None,
        latency_ms=distribution([s.latency for s in ok]),
        ttft_ms=distribution(ttft),
        tpot_ms=distribution(tpot),
        itl_ms=distribution(gaps),
        send_lag_ms=distribution([s.started - s.intended for s in samples]),
    )
