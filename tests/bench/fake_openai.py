"""A local OpenAI-compatible server for the bench tests, with a configured latency.

Why stratified delays: the acceptance test compares measured percentiles with the configured
distribution's. Drawing delays at random would add sampling error that has nothing to do with
the load generator; here request k (in arrival order) gets the quantile (perm[k] + 0.5) / n of
the configured distribution, so the delays served are the distribution itself, shuffled.

Tokens are scheduled at absolute instants (first at the TTFT, then one every ``itl``), so a
late wake-up delays one token but never the ones after it.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import random
import threading
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Config:
    ttft_low_s: float = 0.2  # TTFT uniform between low and high
    ttft_high_s: float = 0.6
    tokens: int = 8
    itl_s: float = 0.025
    strata: int = 200
    seed: int = 7
    fail_every: int = 0  # request k (0 = the preflight) fails with 503 when k % fail_every == 1
    served: int = 0
    _order: list[int] = field(default_factory=list)

    def ttft(self, k: int) -> float:
        if not self._order:
            self._order = list(range(self.strata))
            random.Random(self.seed).shuffle(self._order)
        q = (self._order[k % self.strata] + 0.5) / self.strata
        return self.ttft_low_s + (self.ttft_high_s - self.ttft_low_s) * q

    def latency_pct(self, pct: float) -> float:
        """The configured end-to-end latency's percentile in seconds: TTFT's uniform
        percentile plus the (tokens - 1) gaps after the first token."""
        ttft = self.ttft_low_s + (self.ttft_high_s - self.ttft_low_s) * pct / 100
        return ttft + (self.tokens - 1) * self.itl_s


CFG = web.AppKey("cfg", Config)


async def completions(request: web.Request) -> web.StreamResponse:
    cfg: Config = request.app[CFG]
    loop = asyncio.get_running_loop()
    start = loop.time()
    body = await request.json()
    k = cfg.served
    cfg.served += 1
    if cfg.fail_every and k % cfg.fail_every == 1:
        return web.json_response({"error": {"message": "configured failure"}}, status=503)
    first = start + cfg.ttft(k)
    if not body.get("stream"):
        await asyncio.sleep(first + (cfg.tokens - 1) * cfg.itl_s - loop.time())
        return web.json_response(
            {
                "choices": [{"text": "x" * cfg.tokens, "index": 0}],
                "usage": {"completion_tokens": cfg.tokens},
            }
        )
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await resp.prepare(request)
    for i in range(cfg.tokens):
        await asyncio.sleep(max(0.0, first + i * cfg.itl_s - loop.time()))
        chunk = {"choices": [{"text": f"t{i}", "index": 0}]}
        await resp.write(f"data: {json.dumps(chunk)}\n\n".encode())
    usage = {"choices": [], "usage": {"completion_tokens": cfg.tokens}}
    await resp.write(f"data: {json.dumps(usage)}\n\ndata: [DONE]\n\n".encode())
    await resp.write_eof()
    return resp


async def echo(request: web.Request) -> web.Response:
    await request.read()
    return web.json_response({"ok": True})


def _start(loop: asyncio.AbstractEventLoop, cfg: Config) -> tuple[web.AppRunner, int]:
    """The app listening on 127.0.0.1 (a free port) on ``loop``: its runner and port."""
    app = web.Application()
    app[CFG] = cfg
    app.router.add_post("/v1/completions", completions)
    app.router.add_post("/echo", echo)
    runner = web.AppRunner(app, access_log=None)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


def _serve_forever(cfg: Config, conn: Any) -> None:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    _, port = _start(loop, cfg)
    conn.send(port)
    loop.run_forever()


class ProcessServer:
    """The same app in a child process. Why: in a thread, the server's event loop shares the
    GIL with the load generator under test, so on a busy machine its sleeps wake late and the
    tail of the served latencies drifts from the configured one; a process of its own keeps
    the percentile test about the generator's measurement, not about the server's timing."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.port = 0
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve_forever, args=(cfg, child), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ProcessServer:
        self._proc.start()
        if not self._conn.poll(60):
            self._proc.kill()
            raise RuntimeError("the fake OpenAI server did not start within 60 s")
        self.port = self._conn.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        self._proc.terminate()
        self._proc.join(10)


class Server:
    """The app on 127.0.0.1 (a free port) in a thread with its own event loop."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._runner, self.port = _start(self._loop, self.cfg)
        self._ready.set()
        self._loop.run_forever()

    def __enter__(self) -> Server:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
