"""The checks: each module registers its checks in :data:`mlcost.checks.registry.REGISTRY`
when imported; :func:`load_all` imports them all (the scan runner calls it)."""

from __future__ import annotations

import importlib

from mlcost.checks.registry import REGISTRY, Check, check

#: Modules holding registered checks; add a new module here to make the runner see it.
CHECK_MODULES = (
    "mlcost.checks.endpoints",
    "mlcost.checks.notebooks",
    "mlcost.checks.training",
    "mlcost.checks.ec2",
)


def load_all() -> dict[str, Check]:
    """Import every check module (registering its checks) and return the registry."""
    for name in CHECK_MODULES:
        importlib.import_module(name)
    return REGISTRY


__all__ = ["CHECK_MODULES", "REGISTRY", "Check", "check", "load_all"]
