"""Records the AWS operations each fix action actually calls, to hold its declared
``Action.calls`` (which `mlcost policy self --fix` turns into IAM) to them.

How: every boto3 client the fix code gets from ``Clients`` is hooked on ``before-call``
(botocore's event before each request, waiter polls included), and while an action's
apply, undo or verify runs, or the runner tags/untags for that action's deferred fix, a
context variable names the action the call belongs to. Recheck reads are the scan's
(``mlcost policy self``) and are not attributed to an action.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import pytest

from mlcost.fix.actions import ACTIONS
from mlcost.fix.context import Clients
from mlcost.fix.run import FixRunner

_CURRENT: ContextVar[str | None] = ContextVar("mlcost_fix_action", default=None)

Calls = set[tuple[str, str]]


def _within(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def run(*args: Any, **kwargs: Any) -> Any:
        token = _CURRENT.set(name)
        try:
            return method(*args, **kwargs)
        finally:
            _CURRENT.reset(token)

    return run


def _within_row(method: Callable[..., Any]) -> Callable[..., Any]:
    """For runner methods taking a journal row: the call belongs to the row's action."""

    @functools.wraps(method)
    def run(self: FixRunner, row: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        return _within(row["action"], method)(self, row, *args, **kwargs)

    return run


class ActionCalls:
    """``calls[action name]``: the (boto3 service, operation) pairs it was seen making."""

    def __init__(self) -> None:
        self.calls: defaultdict[str, Calls] = defaultdict(set)

    def _on_call(self, model: Any = None, **_: Any) -> None:
        name = _CURRENT.get()
        if name is not None:
            self.calls[name].add((model.service_model.service_name, model.name))

    def undeclared(self) -> dict[str, Calls]:
        """Per action, what it called but does not declare (empty when none drifted)."""
        out = {name: calls - ACTIONS[name].permissions() for name, calls in self.calls.items()}
        return {name: calls for name, calls in out.items() if calls}

    def install(self, monkeypatch: pytest.MonkeyPatch) -> ActionCalls:
        original = Clients.__call__
        on_call = self._on_call

        def hooked(clients: Clients, service: str, region: str) -> Any:
            client = original(clients, service, region)
            client.meta.events.register_first(
                "before-call.*.*", on_call, unique_id="mlcost-action-calls"
            )
            return client

        monkeypatch.setattr(Clients, "__call__", hooked)
        for action in ACTIONS.values():
            cls = type(action)
            for method in ("apply", "undo", "came_back"):
                monkeypatch.setattr(cls, method, _within(action.name, getattr(cls, method)))
        for method in ("_defer", "_planned_tag", "_untag"):
            monkeypatch.setattr(FixRunner, method, _within_row(getattr(FixRunner, method)))
        return self
