"""Count AWS API calls by ``service.Operation``.

Why: the scan's cost on a real account is dominated by how many requests it makes (each
is a 20-100 ms round trip, and CloudWatch ``GetMetricData`` is billed per metric). Tests
and ``bench/scan_scale.py`` hold the collector to a call budget with this counter instead
of timing a loopback emulator, which would hide the network.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import boto3


class CallCounter:
    """Counts every API call made by clients created from the sessions it is attached to.

    Attach before creating clients: botocore copies a session's event handlers into each
    client when the client is created. Thread-safe, because the collector calls AWS from a
    thread pool.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def attach(self, session: boto3.Session) -> CallCounter:
        """Register on ``session``'s ``before-call.*.*`` event; returns self for chaining."""
        session.events.register_first("before-call.*.*", self._on_call)
        return self

    def _on_call(self, model: Any = None, **_: Any) -> None:
        key = f"{model.service_model.service_id.hyphenize()}.{model.name}"
        with self._lock:
            self._counts[key] += 1

    @property
    def counts(self) -> dict[str, int]:
        """A snapshot: ``{"sagemaker.ListEndpoints": 3, "cloudwatch.GetMetricData": 2, ...}``."""
        with self._lock:
            return dict(self._counts)

    def total(self) -> int:
        """All calls counted so far."""
        with self._lock:
            return sum(self._counts.values())

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
