"""The progress protocol the live source reports to.

Why a protocol: the source must not depend on Rich (it also runs in Lambda and CI); the CLI
adapts ``rich.progress.Progress`` to this (its ``add_task``/``advance`` already fit).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Protocol


class ProgressSink(Protocol):
    """Receives one task per region x phase, advanced as pages or batches complete."""

    def add_task(self, description: str, total: int | None) -> Hashable:
        """Start a task; ``total`` is None while the amount of work is not yet known."""
        ...

    def advance(self, task_id: Hashable, n: int = 1) -> None:
        """Mark ``n`` more units of the task done."""
        ...


class NullProgress:
    """A sink that drops every report (the default)."""

    def add_task(self, description: str, total: int | None) -> Hashable:
        return 0

    def advance(self, task_id: Hashable, n: int = 1) -> None:
        return None
