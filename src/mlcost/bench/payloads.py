"""The request bodies a bench sends, read and checked before the first request.

Format: JSON Lines (one JSON object a line: the body of one request, e.g. an OpenAI
``{"model": ..., "prompt": ..., "max_tokens": ...}``) or one JSON array of objects. Requests
cycle through the bodies in order. Why checked up front: a bad line found after minutes of
load would waste the run, and a body the server rejects would be counted as server errors.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlcost.errors import UserError

_HINT = 'one JSON object a line (JSON Lines), e.g. {"prompt": "Hello", "max_tokens": 64}'


def load_payloads(path: Path) -> list[dict[str, Any]]:
    """The bodies in ``path``; a ``UserError`` naming the file (and line) when it is missing,
    unreadable, empty, not JSON, or holds something other than objects."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"payload file {path} does not exist", "pass --payloads FILE") from None
    except IsADirectoryError:
        raise UserError(f"payload file {path} is a folder", "pass a file") from None
    except UnicodeDecodeError:
        raise UserError(f"payload file {path} is not UTF-8 text", _HINT) from None
    except OSError as err:
        raise UserError(f"cannot read payload file {path}: {err.strerror}", None) from None
    stripped = text.strip()
    if not stripped:
        raise UserError(f"payload file {path} is empty", _HINT)
    if stripped.startswith("["):
        try:
            bodies = json.loads(stripped)
        except json.JSONDecodeError as err:
            raise UserError(
                f"payload file {path} is not valid JSON (line {err.lineno}: {err.msg})", _HINT
            ) from None
        return [_object(body, path, f"item {i + 1}") for i, body in enumerate(bodies)] or _empty(
            path
        )
    bodies = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            body = json.loads(line)
        except json.JSONDecodeError as err:
            raise UserError(
                f"payload file {path}, line {number}: not valid JSON ({err.msg})", _HINT
            ) from None
        bodies.append(_object(body, path, f"line {number}"))
    return bodies


def _object(body: Any, path: Path, where: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise UserError(
            f"payload file {path}, {where}: a request body must be a JSON object, "
            f"got {type(body).__name__}",
            _HINT,
        )
    return body


def _empty(path: Path) -> list[dict[str, Any]]:
    raise UserError(f"payload file {path} holds an empty list", _HINT)
