"""The checks: one module per check, each registering itself in
:data:`mlcost.checks.registry.REGISTRY` when imported. :func:`load_all` finds and imports every
module of this package (no list to keep by hand); modules whose name starts with ``_`` hold
shared helpers.
"""

from __future__ import annotations

import importlib
import pkgutil

from mlcost.checks.registry import REGISTRY, Check, check
from mlcost.errors import UserError
from mlcost.sources.aws.descriptors import Needs


def check_modules() -> list[str]:
    """Every check module of the package (discovered, sorted)."""
    return sorted(
        f"{__name__}.{m.name}"
        for m in pkgutil.iter_modules(__path__)
        if not m.name.startswith("_") and m.name != "registry"
    )


def load_all() -> dict[str, Check]:
    """Import every check module (registering its checks) and return the registry."""
    for name in check_modules():
        importlib.import_module(name)
    return REGISTRY


def unknown_check(check_id: str, known: dict[str, Check]) -> UserError:
    return UserError(f"unknown check {check_id!r}", "known checks: " + ", ".join(sorted(known)))


def needs_for(check_ids: list[str] | None) -> Needs:
    """What the live source must read for these checks (all checks when None): their kinds,
    the metric labels each kind's checks read, and the statuses they judge (a kind's
    statuses are None as soon as one of its checks reads every status)."""
    registry = load_all()
    ids = sorted(registry) if check_ids is None else check_ids
    for check_id in ids:
        if check_id not in registry:
            raise unknown_check(check_id, registry)
    labels: dict = {}
    statuses: dict = {}
    for check_id in ids:
        chk = registry[check_id]
        labels[chk.kind] = labels.get(chk.kind, frozenset()) | chk.needs
        if chk.kind in statuses and statuses[chk.kind] is None:
            continue
        if chk.statuses is None:
            statuses[chk.kind] = None
        else:
            statuses[chk.kind] = (statuses.get(chk.kind) or frozenset()) | chk.statuses
    return Needs(kinds=frozenset(labels), labels=labels, statuses=statuses)


__all__ = ["REGISTRY", "Check", "check", "check_modules", "load_all", "needs_for"]
