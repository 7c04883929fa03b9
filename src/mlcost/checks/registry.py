"""The check registry: a check is an id, a resource kind, defaults, a docstring and a pure function.

A check never calls AWS. It receives one resource, the inventory (for its metric series and
the window) and its settings, and returns zero or more findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from mlcost.model import Finding, Inventory, Resource, ResourceKind

CheckFn = Callable[[Resource, Inventory, dict[str, Any]], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    kind: ResourceKind
    fn: CheckFn
    defaults: dict[str, Any] = field(default_factory=dict)

    @property
    def doc(self) -> str:
        return (self.fn.__doc__ or "").strip()

    def run(
        self, resource: Resource, inventory: Inventory, overrides: dict[str, Any] | None = None
    ) -> list[Finding]:
        settings = {**self.defaults, **(overrides or {})}
        return list(self.fn(resource, inventory, settings))


REGISTRY: dict[str, Check] = {}


def check(check_id: str, kind: ResourceKind, **defaults: Any) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under ``check_id`` with its default thresholds."""

    def register(fn: CheckFn) -> CheckFn:
        if check_id in REGISTRY:
            raise ValueError(f"check {check_id!r} registered twice")
        REGISTRY[check_id] = Check(check_id, kind, fn, dict(defaults))
        return fn

    return register
