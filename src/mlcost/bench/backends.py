"""One request to the server under test, timed into a :class:`Sample`.

Two backends over one aiohttp session:

- ``openai``: an OpenAI-compatible server (vLLM, TGI's Messages API, llama.cpp server).
  A body with ``"stream": true`` is read as Server-Sent Events: each ``data:`` chunk with
  text is one token's arrival (what vLLM and TGI send), ``data: [DONE]`` ends it, and the
  token count is the server's own ``usage.completion_tokens`` when it sends one (vLLM with
  ``stream_options.include_usage``), else the chunks counted. Without streaming, the answer's
  ``usage.completion_tokens``.
- ``http``: any JSON-over-HTTP server: a 2xx answer read whole is a success; no tokens.

Why aiohttp: its client reads a response with far less per-request Python than httpx's
async client, which is what lets one core offer thousands of requests a second
(docs/benchmarks.md), and its ``StreamReader`` yields SSE lines as they arrive.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from time import perf_counter
from typing import Any

import aiohttp

from mlcost.bench.metrics import Sample


class Backend(StrEnum):
    openai = "openai"
    http = "http"


class ProtocolError(Exception):
    """The answer is not what the backend expects (not JSON, not an OpenAI completion)."""


def chunk_text(chunk: dict[str, Any]) -> str:
    """The text a streamed OpenAI chunk carries: completions (``choices[0].text``) or chat
    (``choices[0].delta.content``); empty for role-only, usage-only or final chunks."""
    choices = chunk.get("choices") or []
    if not choices:
        return ""
    choice = choices[0]
    if "text" in choice:
        return choice.get("text") or ""
    return (choice.get("delta") or {}).get("content") or ""


def usage_tokens(answer: dict[str, Any]) -> int | None:
    usage = answer.get("usage")
    if isinstance(usage, dict) and isinstance(usage.get("completion_tokens"), int):
        return usage["completion_tokens"]
    return None


_JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True, slots=True)
class Body:
    """A request body encoded once before the run (not per request: the generator's own CPU
    per request is what bounds the rate one core can offer)."""

    data: bytes
    stream: bool

    @classmethod
    def of(cls, body: dict[str, Any]) -> Body:
        return cls(json.dumps(body).encode(), bool(body.get("stream")))


async def send(
    session: aiohttp.ClientSession,
    backend: Backend,
    url: str,
    body: Body,
    sample: Sample,
) -> None:
    """Send ``body`` and fill in ``sample`` (end time, tokens, gaps, or the error's kind).
    Never raises for a failed request: a failure is a measurement. Times are
    ``time.perf_counter()``, never ``loop.time()``: another event loop (uvloop's) keeps that
    in whole milliseconds, too coarse for inter-token gaps."""
    try:
        async with session.post(url, data=body.data, headers=_JSON) as resp:
            if resp.status >= 400:
                await resp.read()
                sample.error = f"http_{resp.status}"
            elif backend is Backend.openai and body.stream:
                await _read_stream(resp, sample)
            elif backend is Backend.openai:
                answer = await resp.json(content_type=None)
                if not isinstance(answer, dict) or "choices" not in answer:
                    raise ProtocolError("not an OpenAI completion")
                sample.output_tokens = usage_tokens(answer)
            else:
                await resp.read()
    except TimeoutError:
        sample.error = "timeout"
    except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, OSError):
        sample.error = "connection"
    except (ProtocolError, ValueError, aiohttp.ContentTypeError):
        sample.error = "protocol"
    except aiohttp.ClientError:
        sample.error = "client"
    sample.ended = perf_counter()


async def _read_stream(resp: aiohttp.ClientResponse, sample: Sample) -> None:
    """Read an SSE answer, timing each chunk that carries text."""
    chunks = 0
    last: float | None = None
    reported: int | None = None
    done = False
    async for raw in resp.content:
        line = raw.strip()
        if not line.startswith(b"data:"):
            continue  # comments, event:/id: fields, blank separators
        data = line[5:].strip()
        if data == b"[DONE]":
            done = True
            break
        chunk = json.loads(data)
        if not isinstance(chunk, dict):
            raise ProtocolError("an SSE chunk is not a JSON object")
        if "error" in chunk:
            sample.error = "stream_error"
            return
        reported = usage_tokens(chunk) or reported
        if chunk_text(chunk):
            now = perf_counter()
            if last is None:
                sample.first_token = now
            else:
                sample.gaps.append(now - last)
            last = now
            chunks += 1
    if not done and chunks == 0:
        raise ProtocolError("the stream ended with no data")
    sample.output_tokens = reported if reported is not None else chunks
