"""Bounded waits on botocore's waiters, with a progress display.

Why not ``waiter.wait()`` as is: it blocks silently for up to its whole schedule (an endpoint
takes minutes to delete or create). We poll the same waiter one attempt at a time so a
progress bar moves, the lease is renewed, and the total wait is bounded by our own timeout.
A waiter's terminal failure state (e.g. an endpoint going ``Failed``) ends the wait at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore.exceptions import WaiterError
from botocore.waiter import WaiterModel, create_waiter_with_client

from mlcost.fix.context import StepFailed


class WaitProgress(Protocol):
    """What a wait reports to: a task per wait, advanced once per poll."""

    def start(self, description: str, total: float) -> Any: ...
    def update(self, task: Any, elapsed: float) -> None: ...
    def finish(self, task: Any) -> None: ...


class NoProgress:
    def start(self, description: str, total: float) -> Any:
        return None

    def update(self, task: Any, elapsed: float) -> None:
        return None

    def finish(self, task: Any) -> None:
        return None


@dataclass
class Waiter:
    """Polls a botocore waiter every ``delay_s`` for at most ``timeout_s``."""

    timeout_s: float = 1800.0
    delay_s: float = 15.0
    progress: WaitProgress = field(default_factory=NoProgress)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def wait(
        self,
        client: Any,
        waiter_name: str,
        what: str,
        params: dict[str, Any],
        *,
        renew: Callable[[], None] | None = None,
        model: WaiterModel | None = None,
    ) -> None:
        """Wait on botocore's waiter ``waiter_name``, or on ``model``'s where botocore has none."""
        waiter = (
            create_waiter_with_client(waiter_name, model, client)
            if model
            else client.get_waiter(waiter_name)
        )
        began = self.clock()
        task = self.progress.start(what, self.timeout_s)
        try:
            while True:
                try:
                    waiter.wait(**params, WaiterConfig={"Delay": 0, "MaxAttempts": 1})
                    return
                except WaiterError as exc:
                    if "Max attempts exceeded" not in str(exc):  # failure state or error
                        raise StepFailed(f"{what}: {exc}") from None
                elapsed = self.clock() - began
                if elapsed >= self.timeout_s:
                    raise StepFailed(
                        f"{what}: not reached after {self.timeout_s:g} s; the change was made, "
                        "rerun `mlcost fix --resume` to wait again"
                    )
                self.progress.update(task, elapsed)
                if renew:
                    renew()
                self.sleep(self.delay_s)
        finally:
            self.progress.finish(task)
