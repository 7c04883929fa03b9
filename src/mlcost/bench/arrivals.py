"""Open-loop send schedules: when each request *should* leave, decided before the run.

Why a schedule fixed in advance: an open-loop generator must not wait for answers before
sending the next request (that is a closed loop, which slows down with the server and
under-reports its latency). The schedule is a list of offsets from the start; the runner
sends each request at its offset and measures latency from it.
"""

from __future__ import annotations

import random
from enum import StrEnum


class Arrivals(StrEnum):
    poisson = "poisson"  # exponential gaps: independent users, the usual model of traffic
    constant = "constant"  # evenly spaced: the steadiest load, easiest to reason about
    trace = "trace"  # a recorded trace's own inter-arrival times (--trace FILE)


def offsets(kind: Arrivals, rate: float, duration: float, *, seed: int = 0) -> list[float]:
    """Send times in seconds from the start, every one before ``duration``.

    ``poisson``: gaps drawn from an exponential distribution of mean 1/rate with a seeded
    generator (a run can be repeated exactly); ``constant``: one every 1/rate seconds,
    starting at 0."""
    if rate <= 0 or duration <= 0:
        raise ValueError("rate and duration must be positive")
    if kind is Arrivals.trace:
        raise ValueError("trace arrivals come from a file: use from_trace()")
    if kind is Arrivals.constant:
        count = int(rate * duration - 1e-9) + 1
        return [i / rate for i in range(count)]
    rng = random.Random(seed)
    out: list[float] = []
    t = rng.expovariate(rate)
    while t < duration:
        out.append(t)
        t += rng.expovariate(rate)
    return out


def native_rate(trace_offsets: list[float]) -> float:
    """A trace's own mean rate: its gaps' count over its span (requests per second)."""
    if len(trace_offsets) < 2 or trace_offsets[-1] <= trace_offsets[0]:
        raise ValueError("a trace needs at least two requests at different instants")
    return (len(trace_offsets) - 1) / (trace_offsets[-1] - trace_offsets[0])


def from_trace(trace_offsets: list[float], rate: float | None, duration: float) -> list[float]:
    """Send times replaying a trace's inter-arrival times from 0: as recorded, or every gap
    scaled by native rate / ``rate`` (the shape kept, the mean rate ``rate``); the ones
    before ``duration``. Its burstiness is what a Poisson schedule would smooth away."""
    if duration <= 0 or (rate is not None and rate <= 0):
        raise ValueError("rate and duration must be positive")
    first = trace_offsets[0]
    scale = 1.0 if rate is None else native_rate(trace_offsets) / rate
    out = [(t - first) * scale for t in trace_offsets]
    return [t for t in out if t < duration]
