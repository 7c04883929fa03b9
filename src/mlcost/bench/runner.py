"""Run the load: open loop (a fixed send schedule) or closed loop (N clients back to back).

Open loop (``--rate``): every request leaves at its scheduled instant whether or not earlier
ones were answered, so a slow server meets the load real users would put on it; latency is
counted from the scheduled instant. Closed loop (``--concurrency``): N clients each send the
next request as soon as the previous answer arrives — the classic benchmark shape, kept for
finding peak throughput and as a baseline; there the intended time is the send time.

Before any load a preflight request checks that the URL answers as the backend expects, so a
wrong host, port or path is one clear error, not a run of connection errors.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from time import perf_counter
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from mlcost.bench.backends import Backend, Body, send
from mlcost.bench.metrics import LevelSummary, Sample, summarise
from mlcost.errors import UserError


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    backend: Backend
    payloads: Sequence[dict[str, Any]]
    timeout_s: float = 60.0
    max_connections: int = 1024
    #: ``--endpoint``: a sagemaker-runtime client and the endpoint's name (``url`` is then
    #: ``sagemaker:<name>``, for display); requests go through :mod:`mlcost.bench.sagemaker`
    runtime: Any = None
    endpoint: str | None = None

    def bodies(self) -> list[Body]:
        return [Body.of(p) for p in self.payloads]


def check_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL with a host, else a ``UserError``."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port out of range or not a number
    except ValueError as err:
        raise UserError(f"--url {url!r} is not a valid URL: {err}", _URL_HINT) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"--url {url!r} is not an http:// or https:// URL", _URL_HINT)
    del port
    return url


Send = Callable[[Body, Sample], Awaitable[None]]

_URL_HINT = "pass the full endpoint, e.g. http://127.0.0.1:8000/v1/completions"


@asynccontextmanager
async def _sender(target: Target, limit: int) -> AsyncIterator[Send]:
    """``send(body, sample)`` for the target: aiohttp, or the SageMaker runtime in threads."""
    if target.runtime is not None:
        from mlcost.bench import sagemaker

        send_sm, pool = sagemaker.sender(target.runtime, target.endpoint or "", limit)
        try:
            yield send_sm
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        return
    async with _session(target, limit) as session:

        async def send_http(body: Body, sample: Sample) -> None:
            await send(session, target.backend, target.url, body, sample)

        yield send_http


def _session(target: Target, limit: int) -> aiohttp.ClientSession:
    """A session that does only what a benchmark needs: no cookie jar (matching cookies to
    every request's URL is measurable CPU per request), no decompression."""
    connector = aiohttp.TCPConnector(limit=limit, ttl_dns_cache=300)
    timeout = aiohttp.ClientTimeout(total=target.timeout_s)
    return aiohttp.ClientSession(
        connector=connector,
        timeout=timeout,
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
    )


async def preflight(target: Target) -> None:
    """One request with the first payload; a ``UserError`` when the server cannot be reached,
    refuses it (4xx/5xx) or does not answer as the backend expects."""
    sample = Sample(intended=perf_counter(), started=perf_counter())
    async with _sender(target, 1) as send_one:
        await send_one(target.bodies()[0], sample)
    hints = {
        "connection": (
            f"cannot connect to {target.url}",
            "check the host and port, and that the server is running",
        ),
        "timeout": (
            f"{target.url} did not answer within {target.timeout_s:g} s",
            "check the server, or raise --timeout",
        ),
        "protocol": (
            f"{target.url} did not answer like an OpenAI-compatible server",
            "check the path (/v1/completions or /v1/chat/completions) or use --backend http",
        ),
    }
    if sample.error is None:
        return
    if sample.error.startswith("http_"):
        raise UserError(
            f"{target.url} refused the first payload with HTTP {sample.error[5:]}",
            "check the URL's path and the payload file's bodies",
        )
    problem, hint = hints.get(sample.error, (f"{target.url} failed: {sample.error}", None))
    raise UserError(problem, hint)


#: The open loop wakes at most once per tick and sends every request then due: sleeping once
#: per request would cost a loop turn and a timer each, thousands a second. A request sent up
#: to a tick late still has its latency counted from its schedule.
TICK_S = 0.001


async def run_open(target: Target, offsets: Sequence[float], rate: float) -> LevelSummary:
    """Send request i at start + offsets[i]; wait for every answer (each bounded by the
    request timeout)."""
    loop = asyncio.get_running_loop()
    bodies = itertools.cycle(target.bodies())
    samples: list[Sample] = []
    tasks: set[asyncio.Task[None]] = set()
    async with _sender(target, target.max_connections) as send_one:
        start = perf_counter()
        index, count = 0, len(offsets)
        while index < count:
            now = perf_counter()
            while index < count and start + offsets[index] <= now:
                sample = Sample(intended=start + offsets[index], started=now)
                samples.append(sample)
                task = loop.create_task(send_one(next(bodies), sample))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                index += 1
            if index < count:
                await asyncio.sleep(max(start + offsets[index] - perf_counter(), TICK_S))
        if tasks:
            await asyncio.gather(*tasks)
    end = max((s.ended for s in samples), default=start)
    return summarise("open", rate, samples, end - start)


async def run_closed(target: Target, concurrency: int, duration: float) -> LevelSummary:
    """``concurrency`` clients, each sending its next request when the last is answered,
    until ``duration`` seconds have passed since the start."""
    bodies = itertools.cycle(target.bodies())
    samples: list[Sample] = []
    async with _sender(target, concurrency) as send_one:
        start = perf_counter()
        deadline = start + duration

        async def client() -> None:
            while (now := perf_counter()) < deadline:
                sample = Sample(intended=now, started=now)
                samples.append(sample)
                await send_one(next(bodies), sample)

        await asyncio.gather(*(client() for _ in range(concurrency)))
    end = max((s.ended for s in samples), default=start)
    return summarise("closed", concurrency, samples, end - start)
