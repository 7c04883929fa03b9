"""consolidate-endpoints: several under-used endpoints of one instance family -> one endpoint.

Series (docs/CONTRACTS.md): ``Invocations`` (Sum, per variant) to leave idle endpoints to
``idle-endpoint``; ``CPUUtilization`` / ``GPUUtilization`` (Maximum, summed over vCPUs /
GPUs), ``MemoryUtilization`` and ``GPUMemoryUtilization`` (Maximum) per variant for the
demand. The check looks across endpoints: the group is computed once per inventory and
reported once, on its first member by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from mlcost import pricing
from mlcost.checks._endpoints import (
    instance_variants,
    judged_window,
    no_invocations,
    uses_components,
    variant_series,
)
from mlcost.checks._support import (
    HOURS_PER_MONTH,
    ceil_hour,
    finding_for,
    hourly_maxima,
    in_window,
    money,
    percentile,
    quote,
    spec_or_none,
)
from mlcost.checks.registry import check
from mlcost.model import (
    Endpoint,
    Finding,
    Fix,
    Inventory,
    MetricLabel,
    ResourceKind,
    Risk,
    Usage,
)
from mlcost.pricing.sizing import Demand, Fleet, cheapest_fleet, not_burstable


@dataclass(frozen=True, slots=True)
class _Member:
    """One under-used endpoint: its single variant, price and hourly demand (absolute units)."""

    endpoint: Endpoint
    instance_type: str
    count: int
    spec: pricing.InstanceSpec
    quote: pricing.PriceQuote
    vcpus: dict[datetime, float]
    memory_gib: dict[datetime, float]
    gpus: dict[datetime, float]
    gpu_memory_gib: dict[datetime, float]
    cpu_p95_pct: float


def _hourly(inv: Inventory, ep: Endpoint, label: MetricLabel, variant: str, start: datetime):
    series = variant_series(inv, ep, label, variant)
    if any(not s.readable for s in series):
        return None
    out: dict[datetime, float] = {}
    for s in series:
        for h, v in hourly_maxima(in_window(s, start, inv.end)).items():
            out[h] = max(out.get(h, v), v)
    return out


def _member(inv: Inventory, ep: Endpoint, settings: dict[str, Any]) -> _Member | None:
    """The endpoint as a consolidation candidate, or ``None`` when it is not one: not a
    single-variant real-time instance endpoint, idle, busy, unpriced or unmeasured."""
    if ep.status != "InService" or ep.is_async or uses_components(ep):
        return None
    variants = instance_variants(ep)
    if len(variants) != 1 or variants[0].shadow or variants[0].autoscaling:
        return None
    v = variants[0]
    spec = spec_or_none(v.instance_type or "")
    if spec is None or spec.accelerator not in (None, "nvidia"):
        return None
    start, end = judged_window(ep, inv)
    if no_invocations(inv, ep, start, end) is not None:
        return None  # idle: idle-endpoint's finding
    since = ceil_hour(start)
    cpu = _hourly(inv, ep, MetricLabel.CPU_UTILIZATION, v.name, since)
    mem = _hourly(inv, ep, MetricLabel.MEMORY_UTILIZATION, v.name, since)
    if not cpu or mem is None or len(cpu) < int(settings["min_hours"]):
        return None
    gpu = gpu_mem = None
    if spec.gpu_count:
        gpu = _hourly(inv, ep, MetricLabel.GPU_UTILIZATION, v.name, since)
        gpu_mem = _hourly(inv, ep, MetricLabel.GPU_MEMORY_UTILIZATION, v.name, since)
        if not gpu or not gpu_mem:
            return None
    cpu_p95 = percentile(cpu.values(), 95) / spec.vcpu
    if cpu_p95 >= float(settings["cpu_threshold_pct"]):
        return None
    if gpu and percentile(gpu.values(), 95) / spec.gpu_count >= float(
        settings["gpu_threshold_pct"]
    ):
        return None
    priced = quote(v.instance_type or "", ep.region, Usage.HOSTING)
    if priced.quote is None:
        return None
    n_gpu = spec.gpu_count or 1
    count = v.instance_count
    return _Member(
        ep,
        v.instance_type or "",
        count,
        spec,
        priced.quote,
        # summed over the variant's instances: the load the group must carry
        {h: x / 100 * count for h, x in cpu.items()},
        {h: x / 100 * float(spec.memory_gib) for h, x in (mem or {}).items()},
        {h: x / 100 * count for h, x in (gpu or {}).items()},
        {h: x / 100 * float(spec.gpu_memory_gib) / n_gpu for h, x in (gpu_mem or {}).items()},
        cpu_p95,
    )


def _groups(inv: Inventory, settings: dict[str, Any]) -> dict[str, list[_Member]]:
    """Under-used endpoints by (region, instance family), sorted by name and split into
    groups of at most ``max_endpoints`` (as even as possible); only groups of at least
    ``min_endpoints``. Keyed by the first member's resource key."""
    by_family: dict[tuple[str, str], list[_Member]] = {}
    for r in inv.of_kind(ResourceKind.ENDPOINT):
        if not isinstance(r, Endpoint):
            continue
        m = _member(inv, r, settings)
        if m is not None:
            by_family.setdefault((r.region, m.spec.family), []).append(m)
    out = {}
    most = max(int(settings["max_endpoints"]), 1)
    for members in by_family.values():
        members.sort(key=lambda m: m.endpoint.id)
        # groups of at most max_endpoints, as even as possible, in name order
        n_groups = -(-len(members) // most)
        size = -(-len(members) // n_groups) if members else 0
        for i in range(0, len(members), max(size, 1)):
            group = members[i : i + size]
            if len(group) >= int(settings["min_endpoints"]):
                out[group[0].endpoint.key] = group
    return out


_CACHE: dict[str, Any] = {}


def _cached_groups(inv: Inventory, settings: dict[str, Any]) -> dict[str, list[_Member]]:
    """The groups of the inventory being scanned, computed once for all its endpoints (the
    runner calls the check once per endpoint)."""
    # the same inventory object with the same resources and settings: a resource list
    # replaced or grown since (a re-check narrows it) is grouped again
    key = (id(inv.resources), len(inv.resources), repr(sorted(settings.items())))
    if _CACHE.get("inventory") is not inv or _CACHE.get("key") != key:
        _CACHE.update(inventory=inv, key=key, groups=_groups(inv, settings))
    return _CACHE["groups"]


def _summed_peak(members: list[_Member], field: str) -> float:
    hours: dict[datetime, float] = {}
    for m in members:
        for h, v in getattr(m, field).items():
            hours[h] = hours.get(h, 0.0) + v
    return max(hours.values(), default=0.0)


@check(
    "consolidate-endpoints",
    ResourceKind.ENDPOINT,
    needs=(
        MetricLabel.INVOCATIONS,
        MetricLabel.CPU_UTILIZATION,
        MetricLabel.MEMORY_UTILIZATION,
        MetricLabel.GPU_UTILIZATION,
        MetricLabel.GPU_MEMORY_UTILIZATION,
    ),
    statuses=("InService",),
    min_endpoints=2,
    max_endpoints=10,
    cpu_threshold_pct=20.0,
    gpu_threshold_pct=20.0,
    headroom=1.25,
    min_instance_count=1,
    min_hours=72,
    min_monthly_savings=10,
)
def consolidate_endpoints(
    resource: Endpoint, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """Several under-used real-time endpoints of one instance family in one region: one
    endpoint hosting every model, sized for their summed peak, costs less.

    Rule (AWS, "Host multiple models in one container behind one endpoint" and "inference
    components"; ML cost guidance: share instances between low-traffic models): at least
    ``min_endpoints`` InService single-variant endpoints of the same family (in groups of at
    most ``max_endpoints``, by name: every model is loaded on every instance of the shared
    endpoint, so a group must fit one instance's memory) whose 95th
    percentile CPU (and GPU) utilisation per vCPU (GPU) is under ``cpu_threshold_pct``
    (``gpu_threshold_pct``) over at least ``min_hours`` hours. The shared endpoint must carry
    the hour-by-hour SUM of their CPU and GPU load, and hold every model at once: each
    instance needs the sum of the models' peak memory (and GPU memory). The proposal is the
    cheapest priced hosting type that carries it with ``headroom`` (``cheapest_fleet``; GPU
    work stays on the same GPU model, no burstable types), with at least
    ``min_instance_count`` and at most as many instances as the group runs now. The models'
    frameworks are not read (model images are not part of the inventory): the fix is one
    endpoint with an inference component per model, which hosts any mix of containers (a
    multi-model endpoint needs one framework). Saving: the members' hosting cost minus the
    proposal's, x 730 h; reported once, on the group's first endpoint by name. An endpoint
    whose type has no hosting price is left out of every group (its share of the saving
    could not be stated).
    """
    members = _cached_groups(inventory, settings).get(resource.key)
    if not members:
        return []
    largest = max(members, key=lambda m: (m.spec.vcpu, float(m.spec.memory_gib)))
    total_count = sum(m.count for m in members)
    vcpus = _summed_peak(members, "vcpus")
    memory = sum(max(m.memory_gib.values(), default=0.0) for m in members)
    gpus = _summed_peak(members, "gpus") if largest.spec.gpu_count else None
    gpu_memory = (
        sum(max(m.gpu_memory_gib.values(), default=0.0) for m in members)
        if largest.spec.gpu_count
        else None
    )
    demand = Demand(
        vcpus=vcpus / total_count,  # cheapest_fleet multiplies back by the fleet's count
        memory_gib=memory,
        gpus=None if gpus is None else gpus / total_count,
        gpu_memory_gib=gpu_memory,
    )
    proposal = cheapest_fleet(
        resource.region,
        Usage.HOSTING,
        Fleet(largest.instance_type, largest.spec, total_count),
        demand,
        headroom=float(settings["headroom"]),
        min_count=min(int(settings["min_instance_count"]), total_count),
        allow=not_burstable,
    )
    if proposal is None:
        return []
    new, new_count = proposal
    current = sum(m.quote.usd_per_hour * m.count * HOURS_PER_MONTH for m in members)
    shared = new.usd_per_hour * new_count * HOURS_PER_MONTH
    saving = current - shared
    if saving <= Decimal(str(settings["min_monthly_savings"])):
        return []
    names = [m.endpoint.id for m in members]
    evidence: dict[str, Any] = {
        "region": resource.region,
        "family": largest.spec.family,
        "members": [
            {
                "endpoint": m.endpoint.id,
                "instance_type": m.instance_type,
                "instance_count": m.count,
                "model": next((v.model_name for v in m.endpoint.variants), None),
                "cpu_p95_pct_per_vcpu": round(m.cpu_p95_pct, 2),
                "memory_peak_gib": round(max(m.memory_gib.values(), default=0.0), 3),
                "price": m.quote.evidence(),
                "monthly_cost_usd": str(money(m.quote.usd_per_hour * m.count * HOURS_PER_MONTH)),
            }
            for m in members
        ],
        "summed_peak": {
            "vcpus_busy": round(vcpus, 3),
            "memory_gib_all_models": round(memory, 3),
            "gpus_busy": None if gpus is None else round(gpus, 3),
            "gpu_memory_gib_all_models": None if gpu_memory is None else round(gpu_memory, 3),
            "rule": "CPU/GPU: the largest hourly sum across members; memory: every model "
            "resident on each instance, the sum of their peaks",
        },
        "headroom": settings["headroom"],
        "proposed": {
            "instance_type": new.instance_type,
            "instance_count": new_count,
            "price": new.evidence(),
            "monthly_cost_usd": str(money(shared)),
        },
        "saving_arithmetic": " + ".join(f"{m.count} x ${m.quote.usd_per_hour}" for m in members)
        + f" - {new_count} x ${new.usd_per_hour}, per hour x {int(HOURS_PER_MONTH)} h = "
        f"${money(saving)}",
        "signals_used": [
            "/aws/sagemaker/Endpoints CPUUtilization, MemoryUtilization (Maximum, hourly)",
            *(
                ["/aws/sagemaker/Endpoints GPUUtilization, GPUMemoryUtilization"]
                if gpus is not None
                else []
            ),
            "AWS/SageMaker Invocations (idle endpoints excluded)",
        ],
        "signals_not_checked": [
            "the models' frameworks and containers (model images are not read): inference "
            "components host any mix; a multi-model endpoint needs one framework",
            "latency when models share an instance (ModelLatency is not read)",
            "who calls each endpoint: callers must switch to the shared endpoint's name",
        ],
    }
    return [
        finding_for(
            "consolidate-endpoints",
            resource,
            title=f"{len(members)} under-used {largest.spec.family} endpoints "
            f"({', '.join(names)}) fit on {new_count} x {new.instance_type}",
            evidence=evidence,
            cost=money(current),
            saving=money(saving),
            fix=Fix(
                "consolidate-endpoints",
                {
                    "endpoints": names,
                    "InstanceType": new.instance_type,
                    "InitialInstanceCount": new_count,
                    "approach": "one endpoint, one inference component per model",
                },
            ),
            risk=Risk.REVIEW,
            confidence=min(0.6, 0.6 * new.confidence, *(0.6 * m.quote.confidence for m in members)),
        )
    ]
