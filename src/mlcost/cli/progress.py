"""Adapts Rich's progress bar to the small progress protocol the sources report to."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class RichProgressSink:
    """``add_task`` / ``advance`` over a Rich Progress; safe to call from worker threads."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress

    def add_task(self, description: str, total: int | None = None) -> int:
        return int(self._progress.add_task(description, total=total))

    def advance(self, task_id: int, n: int = 1) -> None:
        self._progress.advance(task_id, n)  # type: ignore[arg-type]

    def update_total(self, task_id: int, total: int) -> None:
        self._progress.update(task_id, total=total)  # type: ignore[arg-type]


@contextmanager
def rich_progress(console: Console) -> Iterator[RichProgressSink]:
    """A transient progress display on ``console`` (stderr), hidden when not a terminal."""
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as p:
        yield RichProgressSink(p)
