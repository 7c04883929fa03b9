"""Planted waste and busy look-alikes, one module per check (``<check_id with _>.py``).

Each module defines ``plant(b: OrgBuilder) -> None``: it adds the resources and metric
series of its check's scenarios through the builder's helpers (``b.endpoint``,
``b.notebook``, ``b.ec2``, ``b.job``, ``b.add_series``, ...) and marks the manifest
(``b.mark(check, name)`` / ``b.mark(check, name, lookalike=True)``). Modules are found by
name (no hand-kept list) and planted in name order after the core organisation; each one
gets its own random generator seeded from the org's seed and its name, so adding a
scenario never changes the noise of another.
"""

from __future__ import annotations

import importlib
import pkgutil
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mlcost.demo.org import OrgBuilder

Planter = Callable[["OrgBuilder"], None]


def planters() -> list[tuple[str, Planter]]:
    """(module name, its ``plant`` function) for every scenario module, in name order."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append((info.name, module.plant))
    return found


def plant_all(b: OrgBuilder, seed: int) -> None:
    """Plant every scenario module's resources into ``b`` (deterministic per module)."""
    shared_rng = b.rng
    try:
        for name, plant in planters():
            b.rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
            plant(b)
    finally:
        b.rng = shared_rng
