"""Sizing as a catalogue query: the cheapest priced (type, count) that carries a demand.

Why here and not in a check: "which instance fleet carries this load for the least money"
is a question about the catalogue's specs and prices (SkyPilot's catalogue answers "the
cheapest type with these accelerators" the same way), and more than one check asks it.
The check observes the demand; this module only answers the query.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from mlcost.model import Usage
from mlcost.pricing.catalogue import (
    InstanceSpec,
    PriceQuote,
    UnknownInstanceType,
    Unpriced,
    generation,
    price,
    priced_types,
    spec,
)

#: Burstable families (t2, t3, t3a, t4g): CPU credits, not sustained vCPUs.
BURSTABLE = re.compile(r"^t\d")


@dataclass(frozen=True, slots=True)
class Demand:
    """The observed PEAK load on one instance of a fleet, in absolute units.

    ``None`` for a resource that was not measured (memory, GPU memory): the query then
    keeps what the current instance has, never less.
    """

    vcpus: float  # vCPUs busy on one instance at the peak
    memory_gib: float | None = None
    gpus: float | None = None  # GPUs busy on one instance at the peak
    gpu_memory_gib: float | None = None


@dataclass(frozen=True, slots=True)
class Fleet:
    """What runs now: ``count`` instances of ``instance_type``."""

    instance_type: str
    spec: InstanceSpec
    count: int


def carries(
    candidate: InstanceSpec, count: int, current: Fleet, demand: Demand, headroom: float
) -> bool:
    """Does ``count`` x ``candidate`` carry the current fleet's peak, with ``headroom``?

    CPU and GPU compute spread across instances; memory and GPU memory do not (each
    instance loads the whole model), so they must fit on one candidate instance. A fleet
    that used its GPU stays on the same GPU model (another model runs it at another speed);
    one that never touched its GPU may move to a CPU type; a CPU fleet stays on CPU types.
    """
    cur = current.spec
    if count * candidate.vcpu < demand.vcpus * current.count * headroom:
        return False
    memory_need = (
        demand.memory_gib * headroom if demand.memory_gib is not None else float(cur.memory_gib)
    )
    if float(candidate.memory_gib) < memory_need:
        return False
    if cur.gpu_count == 0:
        return candidate.gpu_count == 0 and candidate.accelerator is None
    gpu_used = (
        (demand.gpus or 0) > 0 or (demand.gpu_memory_gib or 0) > 0 or demand.gpu_memory_gib is None
    )
    if not gpu_used:
        return True  # never touched its GPU: a CPU type (or a smaller GPU) will do
    if candidate.gpu_count == 0 or candidate.gpu_model != cur.gpu_model:
        return False
    if count * candidate.gpu_count < (demand.gpus or 0) * current.count * headroom:
        return False
    gpu_memory_need = (
        demand.gpu_memory_gib * headroom
        if demand.gpu_memory_gib is not None
        else float(cur.gpu_memory_gib)
    )
    return float(candidate.gpu_memory_gib) >= gpu_memory_need


def cheapest_fleet(
    region: str,
    usage: Usage,
    current: Fleet,
    demand: Demand,
    *,
    headroom: float,
    min_count: int = 1,
    allow: Callable[[InstanceSpec], bool] | None = None,
) -> tuple[PriceQuote, int] | None:
    """The cheapest priced (type, count) in ``region`` for ``usage`` that :func:`carries`
    the demand, with ``min_count`` <= count <= the current count; ``None`` if nothing does.

    Ties go to fewer changes: the current type first. ``allow`` filters candidate types
    (e.g. no burstable families).
    """
    best: tuple[Decimal, int, PriceQuote, int] | None = None
    for instance_type, candidate, quote in _candidates(region, usage, generation()):
        if allow is not None and not allow(candidate):
            continue
        for count in range(max(min_count, 1), current.count + 1):
            if not carries(candidate, count, current, demand, headroom):
                continue
            hourly = quote.usd_per_hour * count
            changed = 0 if instance_type == current.instance_type else 1
            if best is None or (hourly, changed) < (best[0], best[1]):
                best = (hourly, changed, quote, count)
            break  # more instances of the same type only cost more
    return None if best is None else (best[2], best[3])


@functools.lru_cache(maxsize=64)
def _candidates(
    region: str, usage: Usage, catalogue: int
) -> tuple[tuple[str, InstanceSpec, PriceQuote], ...]:
    """Every type priced for ``usage`` in ``region`` with its spec and quote, read once per
    loaded catalogue (``catalogue`` is its :func:`generation`): a scan asks
    for every under-used variant, and re-pricing 70 types each time was most of its cost."""
    out = []
    for instance_type in priced_types(region, usage):
        try:
            out.append((instance_type, spec(instance_type), price(instance_type, region, usage)))
        except (UnknownInstanceType, Unpriced):
            continue
    return tuple(out)


def not_burstable(candidate: InstanceSpec) -> bool:
    """Sustained load needs sustained vCPUs: T-family CPU credits run out under it."""
    return not BURSTABLE.match(candidate.family)
