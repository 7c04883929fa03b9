"""The check registry: a check is an id, a resource kind, what it reads, defaults, a docstring
and a pure function.

A check never calls AWS. It receives one resource, the inventory (for its metric series and
the window) and its settings, and returns zero or more findings. It declares what it reads
(``needs``: metric labels; ``statuses``: the resource statuses it can judge), and the live
source reads exactly the union of what the selected checks declare.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from mlcost.model import Finding, Inventory, MetricLabel, Resource, ResourceKind

CheckFn = Callable[[Resource, Inventory, dict[str, Any]], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    kind: ResourceKind
    fn: CheckFn
    defaults: dict[str, Any] = field(default_factory=dict)
    #: Metric labels the check reads.
    needs: frozenset[MetricLabel] = frozenset()
    #: Resource statuses the check can find anything in; None: every status.
    statuses: frozenset[str] | None = None

    @property
    def doc(self) -> str:
        return (self.fn.__doc__ or "").strip()

    def run(
        self, resource: Resource, inventory: Inventory, overrides: dict[str, Any] | None = None
    ) -> list[Finding]:
        settings = {**self.defaults, **(overrides or {})}
        return list(self.fn(resource, inventory, settings))


REGISTRY: dict[str, Check] = {}


def check(
    check_id: str,
    kind: ResourceKind,
    *,
    needs: Iterable[MetricLabel] = (),
    statuses: Iterable[str] | None = None,
    **defaults: Any,
) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under ``check_id`` with what it reads and its defaults."""

    def register(fn: CheckFn) -> CheckFn:
        if check_id in REGISTRY:
            raise ValueError(f"check {check_id!r} registered twice")
        REGISTRY[check_id] = Check(
            check_id,
            kind,
            fn,
            dict(defaults),
            frozenset(MetricLabel(n) for n in needs),
            None if statuses is None else frozenset(statuses),
        )
        return fn

    return register
